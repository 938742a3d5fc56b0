"""Exact binomial tails in log space: no normal approximation, no scipy.

`P(X <= k)` for X ~ Binomial(n, q) is summed term by term from log-pmfs (`lgamma`), shifted by
the largest term before exponentiating, so it neither underflows for thousands of jobs nor
loses the small tail probabilities a gate at 99% confidence compares against.
"""

from __future__ import annotations

import math

__all__ = ["binomial_cdf", "binomial_sf"]


def _log_pmf(i: int, n: int, q: float) -> float:
    log_comb = math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
    return log_comb + i * math.log(q) + (n - i) * math.log1p(-q)


def _sum_pmf(first: int, last: int, n: int, q: float) -> float:
    """Sum of P(X = i) for first <= i <= last (already clipped to [0, n])."""
    logs = [_log_pmf(i, n, q) for i in range(first, last + 1)]
    top = max(logs)
    return math.exp(top) * math.fsum(math.exp(v - top) for v in logs)


def _check(n: int, q: float) -> None:
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be in (0, 1), got {q}")


def binomial_cdf(k: int, n: int, q: float) -> float:
    """P(X <= k), X ~ Binomial(n, q)."""
    _check(n, q)
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    return _sum_pmf(0, k, n, q)


def binomial_sf(k: int, n: int, q: float) -> float:
    """P(X >= k), X ~ Binomial(n, q)."""
    _check(n, q)
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return _sum_pmf(k, n, n, q)
