"""Confidence intervals over repeats: a single p99 from one run is an anecdote."""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass
from statistics import fmean, stdev
from typing import Any

__all__ = ["ConfidenceInterval", "bootstrap_interval", "t_interval"]

# Two-sided 95% Student t quantiles by degrees of freedom (beyond 30: the normal 1.96).
_T95 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    12: 2.179,
    15: 2.131,
    20: 2.086,
    25: 2.060,
    30: 2.042,
}


def _t95(df: int) -> float:
    if df > 30:
        return 1.96
    return _T95[max(k for k in _T95 if k <= df)]


@dataclass(frozen=True)
class ConfidenceInterval:
    mean: float
    low: float
    high: float
    n: int
    method: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def t_interval(values: list[float]) -> ConfidenceInterval:
    """95% t-interval for the mean of `values` (e.g. one p95 per repeat)."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    mean = fmean(values)
    if n == 1:
        return ConfidenceInterval(mean, -math.inf, math.inf, 1, "t (one repeat: unbounded)")
    half = _t95(n - 1) * stdev(values) / math.sqrt(n)
    return ConfidenceInterval(mean, mean - half, mean + half, n, "t")


def bootstrap_interval(
    values: list[float], *, resamples: int = 2000, seed: int = 0
) -> ConfidenceInterval:
    """95% percentile-bootstrap interval for the mean; seeded, so reports are reproducible."""
    n = len(values)
    if n == 0:
        raise ValueError("no values")
    rng = random.Random(seed)
    means = sorted(fmean(rng.choices(values, k=n)) for _ in range(resamples))
    low, high = means[int(0.025 * resamples)], means[int(0.975 * resamples) - 1]
    return ConfidenceInterval(fmean(values), low, high, n, "bootstrap")
