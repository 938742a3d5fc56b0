"""The project's one quantile rule, so a p95 means the same in every table and gate.

Nearest rank, rounded half up: the q-quantile of n values is the value of rank
max(1, floor(q * n + 0.5)) in ascending order. HdrHistogram's `get_value_at_percentile` picks
the same rank (its values then carry the histogram's 3 significant digits), so the report's
p95 from a histogram and a p95 of a plain list agree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["median", "quantile", "rank"]


def rank(q: float, n: int) -> int:
    """The 1-based rank of the q-quantile among n values (n >= 1, 0 <= q <= 1)."""
    if n < 1:
        raise ValueError("no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile {q!r} outside [0, 1]")
    return min(n, max(1, math.floor(q * n + 0.5)))


def quantile(values: Iterable[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[rank(q, len(ordered)) - 1]


def median(values: Iterable[float]) -> float:
    """The 0.5-quantile by the same rule (a value that occurred, never an average of two)."""
    return quantile(values, 0.5)
