"""Goodput and honest percentiles: a server that fails or loses jobs must not look fast.

Every job the verdicts judge has, per metric, an interval (lower, upper):
- a completed job: its measured detection interval (a point value: a zero-width interval);
- a failed or lost job: infinitely late on every latency figure (it never delivered);
- a job the run cancelled on purpose, or a submit the server refused: no latency at all.

Goodput is the share of submitted jobs (refused submits included, purposely cancelled jobs
not) that completed and met every per-job target; its bounds say what the detection intervals
allow, the point value judges interval midpoints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from harness.load.measure.accounting import Bucket
from harness.load.measure.jobs import JobRecord
from harness.load.measure.metrics import metrics_of
from harness.load.measure.quantiles import quantile
from harness.load.measure.verdicts import Side, classify

__all__ = [
    "LATENCY_METRICS",
    "Goodput",
    "Target",
    "goodput",
    "honest_percentiles",
    "job_interval",
    "nearest_rank",
]

# The figures a job that never delivered is infinitely late on.
LATENCY_METRICS = frozenset(
    {"queue_wait", "run_time", "end_to_end", "queue_wait_from_intended", "end_to_end_from_intended"}
)
_MEASURED = ("queue_wait", "run_time", "end_to_end", "detection_delay")
_MISSES = (Bucket.FAILED.value, Bucket.LOST.value)
_PERCENTILES = (50.0, 90.0, 95.0, 99.0)


def job_interval(rec: JobRecord, metric: str) -> tuple[float, float] | None:
    """The job's figure for `metric` as (lower, upper), or None when the job has none."""
    if rec.request_id is None or rec.outcome == Bucket.CANCELLED.value:
        return None
    if rec.outcome in _MISSES and metric in LATENCY_METRICS:
        return (math.inf, math.inf)
    base = metric.removesuffix("_from_intended")
    if base in _MEASURED:
        measured = rec.interval(base)
        if measured is None:
            return None
        lag = rec.schedule_lag if base != metric else 0.0
        return (measured.lower + lag, measured.upper + lag)
    value = dict(metrics_of(rec)).get(metric)
    return None if value is None else (value, value)


def nearest_rank(values: Sequence[float], percentile: float) -> float:
    """The smallest value with at least `percentile`% of values at or below it (inf allowed):
    the project's one quantile rule (`quantiles`)."""
    if not values:
        raise ValueError("no values")
    return quantile(values, percentile / 100.0)


def honest_percentiles(records: Sequence[JobRecord], metric: str) -> dict[str, Any] | None:
    """p50..p99 of interval midpoints with failed and lost jobs as infinitely late.

    A percentile that falls on such a job is None (JSON has no infinity): "never".
    """
    intervals = [iv for r in records if (iv := job_interval(r, metric)) is not None]
    points = [(lo + hi) / 2 for lo, hi in intervals]
    if not points:
        return None
    ranks = {f"p{p:g}": nearest_rank(points, p) for p in _PERCENTILES}
    out: dict[str, Any] = {k: None if math.isinf(v) else v for k, v in ranks.items()}
    out["count"] = len(points)
    out["infinitely_late"] = sum(1 for v in points if math.isinf(v))
    return out


@dataclass(frozen=True)
class Target:
    """A per-job target: `metric` must satisfy `holds` (from a gate like `queue_wait.p95<30s`)."""

    metric: str
    holds: Callable[[float], bool]


@dataclass(frozen=True)
class Goodput:
    jobs: int  # submitted, minus jobs the run cancelled on purpose
    met: int  # completed and every target met by the interval's midpoint
    surely_met: int  # ... by the whole interval
    possibly_met: int  # ... by some part of the interval

    @property
    def share(self) -> float | None:
        return self.met / self.jobs if self.jobs else None

    def to_dict(self) -> dict[str, Any]:
        low = self.surely_met / self.jobs if self.jobs else None
        high = self.possibly_met / self.jobs if self.jobs else None
        return {"jobs": self.jobs, "met": self.met, "share": self.share, "share_low": low,
                "share_high": high}  # fmt: skip


def _meets(rec: JobRecord, targets: Sequence[Target]) -> tuple[bool, bool, bool]:
    """(midpoint meets, whole interval meets, some of it meets) for every target."""
    point = surely = possibly = rec.outcome == Bucket.COMPLETED.value
    for target in targets:
        iv = job_interval(rec, target.metric)
        if iv is None:
            return False, False, False
        side = classify(iv[0], iv[1], target.holds)
        point = point and target.holds((iv[0] + iv[1]) / 2)
        surely = surely and side is Side.UNDER
        possibly = possibly and side is not Side.OVER
    return point, surely, possibly


def goodput(records: Sequence[JobRecord], targets: Sequence[Target]) -> Goodput:
    counted = [r for r in records if r.outcome != Bucket.CANCELLED.value]
    flags = [_meets(r, targets) for r in counted]
    return Goodput(
        jobs=len(counted),
        met=sum(f[0] for f in flags),
        surely_met=sum(f[1] for f in flags),
        possibly_met=sum(f[2] for f in flags),
    )
