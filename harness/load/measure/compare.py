"""Is tonight's run worse than last night's? Per metric, the change with a confidence interval.

The interval comes from the per-job values of both runs by a seeded moving-block bootstrap of
the relative change of a percentile (new / old - 1). Blocks of consecutive jobs, not single
jobs, are resampled because queue waits are correlated in time (a busy minute makes a run of
slow jobs): resampling jobs one by one would make the interval too narrow and cry wolf.

A change is "regressed" when its whole interval lies above zero, "improved" when below, and
"no significant change" otherwise; a regression *alarms* when it is significant and its point
estimate exceeds the threshold (10% by default).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from harness.load.measure.goodput import job_interval, nearest_rank
from harness.load.measure.jobs import JobRecord

__all__ = [
    "COMPARED_METRICS",
    "COMPARED_PERCENTILES",
    "DEFAULT_CONFIDENCE",
    "DEFAULT_THRESHOLD",
    "Change",
    "ScopedChange",
    "Status",
    "block_length",
    "block_resample",
    "compare_runs",
    "compare_values",
    "percentile_interval",
    "values_of",
]


# 0.99, not 0.95: a run compares six figures, and a nightly gate that cries wolf gets ignored.
DEFAULT_CONFIDENCE = 0.99
DEFAULT_THRESHOLD = 0.10


class Status(StrEnum):
    REGRESSED = "regressed"
    IMPROVED = "improved"
    UNCHANGED = "no significant change"


def block_length(n: int) -> int:
    """About sqrt(n) consecutive jobs: long enough to keep a busy spell together."""
    return max(1, math.isqrt(n))


def block_resample(values: Sequence[float], rng: random.Random, block: int) -> list[float]:
    """A resample as long as `values`, from blocks starting anywhere (wrapping around)."""
    n = len(values)
    out: list[float] = []
    while len(out) < n:
        start = rng.randrange(n)
        out.extend(values[(start + i) % n] for i in range(block))
    return out[:n]


def _relative(old: float, new: float) -> float:
    if old == new:
        return 0.0
    if old == 0:
        return math.inf
    return new / old - 1.0


def percentile_interval(values: Sequence[float], confidence: float) -> tuple[float, float]:
    """The central `confidence` share of `values`: (1 - c) / 2 cut off at each end."""
    ordered = sorted(values)
    n = len(ordered)
    tail = (1.0 - confidence) / 2
    return ordered[int(tail * n)], ordered[math.ceil((1.0 - tail) * n) - 1]


@dataclass(frozen=True)
class Change:
    metric: str
    percentile: float
    old: float
    new: float
    change: float  # new / old - 1
    low: float
    high: float
    old_jobs: int
    new_jobs: int
    confidence: float

    @property
    def status(self) -> Status:
        if self.low > 0:
            return Status.REGRESSED
        if self.high < 0:
            return Status.IMPROVED
        return Status.UNCHANGED

    def alarms(self, threshold: float) -> bool:
        return self.status is Status.REGRESSED and self.change > threshold

    def to_dict(self) -> dict[str, Any]:
        return {"metric": self.metric, "statistic": f"p{self.percentile:g}", "old": self.old,
                "new": self.new, "change": self.change, "low": self.low, "high": self.high,
                "old_jobs": self.old_jobs, "new_jobs": self.new_jobs,
                "confidence": self.confidence, "status": self.status.value}  # fmt: skip


def compare_values(
    metric: str,
    old: Sequence[float],
    new: Sequence[float],
    *,
    percentile: float = 50.0,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = 1000,
    seed: int = 0,
) -> Change:
    """`old`, `new`: per-job values in submit order (the order the blocks keep)."""
    if not old or not new:
        raise ValueError(f"{metric}: a run without values cannot be compared")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    rng = random.Random(seed)
    old_block, new_block = block_length(len(old)), block_length(len(new))
    changes = [
        _relative(
            nearest_rank(block_resample(old, rng, old_block), percentile),
            nearest_rank(block_resample(new, rng, new_block), percentile),
        )
        for _ in range(resamples)
    ]
    low, high = percentile_interval(changes, confidence)
    old_stat, new_stat = nearest_rank(old, percentile), nearest_rank(new, percentile)
    return Change(metric, percentile, old_stat, new_stat, _relative(old_stat, new_stat), low,
                  high, len(old), len(new), confidence)  # fmt: skip


COMPARED_METRICS = ("queue_wait", "run_time", "end_to_end")
COMPARED_PERCENTILES = (50.0, 95.0)


def values_of(records: Sequence[JobRecord], metric: str) -> list[float]:
    """Per-job honest values (failed and lost jobs: infinity) in intended submit order; the
    warm-up's jobs are left out, as they are from the run's own figures."""
    ordered = sorted((r for r in records if not r.warmup), key=lambda r: r.intended_at)
    return [(iv[0] + iv[1]) / 2 for r in ordered if (iv := job_interval(r, metric)) is not None]


@dataclass(frozen=True)
class ScopedChange:
    scenario: str
    change: Change


def compare_runs(
    old: Mapping[str, Sequence[JobRecord]],
    new: Mapping[str, Sequence[JobRecord]],
    *,
    metrics: Sequence[str] = COMPARED_METRICS,
    percentiles: Sequence[float] = COMPARED_PERCENTILES,
    confidence: float = DEFAULT_CONFIDENCE,
    seed: int = 0,
) -> list[ScopedChange]:
    """Every scenario both runs have, every metric both measured, every percentile."""
    out = []
    for scenario in sorted(set(old) & set(new)):
        for metric in metrics:
            before, after = values_of(old[scenario], metric), values_of(new[scenario], metric)
            if not before or not after:
                continue
            for pct in percentiles:
                change = compare_values(metric, before, after, percentile=pct,
                                        confidence=confidence, seed=seed)  # fmt: skip
                out.append(ScopedChange(scenario, change))
    return out
