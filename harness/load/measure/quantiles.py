"""The project's one quantile rule, so a p95 means the same in every table and gate.

Nearest rank: the q-quantile of n values is the smallest value with at least a share q of the
values at or below it, i.e. the value of rank max(1, ceil(q * n)) in ascending order (q * n
rounded to 9 decimals first, so 0.7 * 10 is rank 7, not 8). The histograms ask HdrHistogram
for exactly this rank (`histograms.Summary`), so a p95 from a histogram and a p95 of a plain
list agree (the histogram's values carry its 3 significant digits).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["hdr_percentile", "median", "quantile", "rank"]


def rank(q: float, n: int) -> int:
    """The 1-based rank of the q-quantile among n values (n >= 1, 0 <= q <= 1)."""
    if n < 1:
        raise ValueError("no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q!r} outside [0, 1]")
    return min(n, max(1, math.ceil(round(q * n, 9))))


def quantile(values: Iterable[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[rank(q, len(ordered)) - 1]


def median(values: Iterable[float]) -> float:
    """The 0.5-quantile by the same rule (a value that occurred, never an average of two)."""
    return quantile(values, 0.5)


def hdr_percentile(q: float, n: int) -> float:
    """The percentile to ask HdrHistogram for so that it picks `rank(q, n)`: it takes the
    rank int(p / 100 * n + 0.5), which a quarter below the rank lands on exactly."""
    return (rank(q, n) - 0.25) * 100.0 / n  # below 100: the rank is at most n
