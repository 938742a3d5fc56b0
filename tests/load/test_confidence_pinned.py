"""Confidence intervals pinned: the t table row by row, exact half-widths, bootstrap indices."""

from __future__ import annotations

import math
import random
from statistics import fmean

import pytest

from harness.load.measure.confidence import ConfidenceInterval, bootstrap_interval, t_interval

# Two-sided 95% t quantiles: each degree of freedom the table lists, and those between rows,
# which take the row below (the wider, safer quantile).
T95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
    9: 2.262, 10: 2.228, 11: 2.228, 12: 2.179, 14: 2.179, 15: 2.131, 19: 2.131, 20: 2.086,
    24: 2.086, 25: 2.060, 29: 2.060, 30: 2.042, 31: 1.96, 100: 1.96,
}  # fmt: skip


@pytest.mark.parametrize("df", sorted(T95))
def test_half_width_uses_the_t_quantile_of_n_minus_one(df):
    values = [0.0, 2.0] * ((df + 1) // 2) + [1.0] * ((df + 1) % 2)
    n = len(values)
    assert n == df + 1
    ci = t_interval(values)
    sd = math.sqrt(sum((v - 1.0) ** 2 for v in values) / (n - 1))
    half = T95[df] * sd / math.sqrt(n)
    assert ci.mean == 1.0
    assert ci.low == pytest.approx(1.0 - half, rel=1e-12)
    assert ci.high == pytest.approx(1.0 + half, rel=1e-12)
    assert (ci.n, ci.method) == (n, "t")


def test_t_interval_by_hand():
    ci = t_interval([1.0, 2.0, 3.0])  # mean 2, sd 1, df 2
    assert ci.to_dict() == {
        "mean": 2.0,
        "low": pytest.approx(2.0 - 4.303 / math.sqrt(3)),
        "high": pytest.approx(2.0 + 4.303 / math.sqrt(3)),
        "n": 3,
        "method": "t",
    }


def test_one_repeat_is_unbounded_and_none_is_refused():
    assert t_interval([4.0]) == ConfidenceInterval(
        4.0, -math.inf, math.inf, 1, "t (one repeat: unbounded)"
    )
    with pytest.raises(ValueError, match=r"^no values$"):
        t_interval([])
    with pytest.raises(ValueError, match=r"^no values$"):
        bootstrap_interval([])


def _sorted_means(values: list[float], resamples: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return sorted(fmean(rng.choices(values, k=len(values))) for _ in range(resamples))


def test_bootstrap_takes_the_2_5th_and_97_5th_percentile_means():
    values = [1.0, 2.0, 4.0, 8.0, 16.0]
    means = _sorted_means(values, 2000, 0)
    ci = bootstrap_interval(values)
    assert (ci.low, ci.high) == (means[50], means[1949])
    assert ci == ConfidenceInterval(6.2, means[50], means[1949], 5, "bootstrap")


def test_bootstrap_draws_2000_resamples_by_default():
    values = [float(2**i) for i in range(12)]  # so nearly every resample has its own mean
    means = _sorted_means(values, 2000, 0)
    assert len(set(means)) > 1500
    assert means[1948] != means[1949]
    ci = bootstrap_interval(values)
    assert (ci.low, ci.high) == (means[50], means[1949])


def test_bootstrap_is_seeded_and_sized_as_asked():
    values = [1.0, 2.0, 4.0, 8.0, 16.0]
    means = _sorted_means(values, 40, 7)
    ci = bootstrap_interval(values, resamples=40, seed=7)
    assert (ci.low, ci.high) == (means[1], means[38])
    assert means != _sorted_means(values, 40, 8)  # so the seed is used


def test_bootstrap_of_a_constant_is_that_constant():
    assert bootstrap_interval([3.0, 3.0], resamples=10) == ConfidenceInterval(
        3.0, 3.0, 3.0, 2, "bootstrap"
    )
