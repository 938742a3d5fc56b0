"""Exact binomial tails against a rational reference (math.comb and Fractions)."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest

from harness.load.measure.binomial import binomial_cdf, binomial_sf


def _exact_cdf(k: int, n: int, q: Fraction) -> Fraction:
    return sum((comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(0, k + 1)), Fraction(0))


@pytest.mark.parametrize("n", [1, 2, 7, 30, 90, 120])
@pytest.mark.parametrize("q", [Fraction(1, 20), Fraction(1, 100), Fraction(1, 2), Fraction(9, 10)])
def test_cdf_and_sf_match_the_rational_sums(n, q):
    for k in range(n + 1):
        exact = _exact_cdf(k, n, q)
        assert binomial_cdf(k, n, float(q)) == pytest.approx(float(exact), rel=1e-9, abs=1e-300)
        exact_sf = 1 - _exact_cdf(k - 1, n, q) if k > 0 else Fraction(1)
        assert binomial_sf(k, n, float(q)) == pytest.approx(float(exact_sf), rel=1e-9, abs=1e-300)


def test_tails_at_and_beyond_the_ends():
    assert binomial_cdf(-1, 10, 0.3) == 0.0
    assert binomial_cdf(10, 10, 0.3) == 1.0
    assert binomial_cdf(11, 10, 0.3) == 1.0
    assert binomial_sf(0, 10, 0.3) == 1.0
    assert binomial_sf(-2, 10, 0.3) == 1.0
    assert binomial_sf(11, 10, 0.3) == 0.0
    assert binomial_sf(10, 10, 0.5) == pytest.approx(0.5**10)
    assert binomial_cdf(0, 10, 0.5) == pytest.approx(0.5**10)
    assert binomial_cdf(0, 0, 0.5) == 1.0  # no trials: zero successes is certain
    assert binomial_sf(1, 0, 0.5) == 0.0


def test_no_underflow_for_thousands_of_jobs():
    # 0.95**20000 underflows a float; the log-space sum does not.
    assert binomial_cdf(0, 20000, 0.05) == 0.0 or binomial_cdf(0, 20000, 0.05) < 1e-300
    mid = binomial_cdf(1000, 20000, 0.05)
    assert 0.45 < mid < 0.55  # the median of Binomial(20000, 0.05) is 1000
    assert binomial_cdf(900, 20000, 0.05) == pytest.approx(1.0 - binomial_sf(901, 20000, 0.05))


@pytest.mark.parametrize("q", [0.0, 1.0, -0.1, 1.5])
def test_rejects_degenerate_shares(q):
    with pytest.raises(ValueError, match="q must be"):
        binomial_cdf(1, 5, q)
    with pytest.raises(ValueError, match="q must be"):
        binomial_sf(1, 5, q)


def test_rejects_negative_n():
    with pytest.raises(ValueError, match="n must be"):
        binomial_cdf(0, -1, 0.5)
    with pytest.raises(ValueError, match="n must be"):
        binomial_sf(0, -1, 0.5)
