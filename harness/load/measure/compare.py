"""Is tonight's run worse than last night's? Per metric, the change with a confidence interval.

The unit of evidence is the *busy spell*, not the job. A spell begins at a job that found a free
GPU (its queue wait's lower bound is 0: no poll ever saw it queued) and holds every later job up
to the next such job, in submit order. Between spells the queue is empty, so what one spell's
jobs wait says (almost) nothing about the next spell's, while the jobs inside one are tied
together: a burst of arrivals makes a run of slow jobs. A one-minute run at 80% load holds a few
long spells that make its tail, and how many of them a run happens to get is most of what moves
its p95 from one run to the next. The other figures of a job (run time, end-to-end) stay with
its queue wait's spell. Polls much coarser than the waits blur the cut (a job that waited less
than one poll interval looks as if it found a GPU free), so spells come out shorter than they
are, and the interval errs narrow.

The interval: if both runs come from the same configuration, their spells are one population,
and any split of the pooled spells into a run as long as the old one and the rest is as likely
as the split observed. So the spells of both runs are shuffled and cut after the old run's job
count (`resamples` times, seeded); each split gives the ratio of the figure (new / old) that
chance alone makes between two runs of one configuration. With the central `confidence` share
of those ratios, [q_lo, q_hi], the interval for the change is observed ratio / q_hi - 1 to
observed ratio / q_lo - 1: the changes that leave the observation within what chance makes,
supposing the change scales the figure (where chance alone reaches 0 or infinity, that side is
unbounded). Its lower end is above zero exactly when the observed ratio is beyond what (1 + c) / 2
of same-configuration splits give: a one-sided test of "no change" at level (1 - c) / 2 (0.5% at
the default 0.99) that holds whatever the spells look like, since it asks only that spells be
exchangeable. What it cannot cover is what moves a whole run at once (another tenant, a machine
slower all night): no single run shows that.

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
    "compare_runs",
    "compare_values",
    "percentile_interval",
    "spell_shuffle",
    "spells",
    "spells_of",
]


# 0.99, not 0.95: a run compares six figures, and a nightly gate that cries wolf gets ignored.
DEFAULT_CONFIDENCE = 0.99
DEFAULT_THRESHOLD = 0.10


class Status(StrEnum):
    REGRESSED = "regressed"
    IMPROVED = "improved"
    UNCHANGED = "no significant change"


def spells(values: Sequence[float], starts: Sequence[bool]) -> list[list[float]]:
    """`values` cut before every job whose `starts` flag is set (the first job always opens one)."""
    out: list[list[float]] = []
    for value, start in zip(values, starts, strict=True):
        if start or not out:
            out.append([])
        out[-1].append(value)
    return out


def spell_shuffle(
    run: Sequence[Sequence[float]], rng: random.Random, n: int
) -> tuple[list[float], list[float]]:
    """The spells in a random order, cut after `n` values: a random split into two runs."""
    order = list(run)
    rng.shuffle(order)
    values = [v for spell in order for v in spell]
    return values[:n], values[n:]


def _ratio(old: float, new: float) -> float:
    """new / old, with 0 / 0 and inf / inf as no change and x / 0 as infinite."""
    if old == new:
        return 1.0
    if old == 0:
        return math.inf
    return new / old


def _bounds(ratio: float, null_low: float, null_high: float) -> tuple[float, float]:
    """The factors consistent with `ratio` when same-configuration pairs give ratios between
    `null_low` and `null_high`; a null that reaches 0 or infinity leaves that side unbounded."""
    low = 0.0 if math.isinf(null_high) else _ratio(null_high, ratio)
    high = math.inf if null_low == 0 else _ratio(null_low, ratio)
    return low, high


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
    old_spells: int  # the units of evidence: busy spells, each one sample
    new_spells: int
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
                "old_spells": self.old_spells, "new_spells": self.new_spells,
                "confidence": self.confidence, "status": self.status.value}  # fmt: skip


def compare_values(
    metric: str,
    old: Sequence[Sequence[float]],
    new: Sequence[Sequence[float]],
    *,
    percentile: float = 50.0,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = 1000,
    seed: int = 0,
) -> Change:
    """`old`, `new`: each run's per-job values in submit order, cut into busy spells."""
    before = [v for spell in old for v in spell]
    after = [v for spell in new for v in spell]
    if not before or not after:
        raise ValueError(f"{metric}: a run without values cannot be compared")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    pool = [*old, *new]  # under "no change", one population of spells
    rng = random.Random(seed)
    null = [
        _ratio(nearest_rank(first, percentile), nearest_rank(rest, percentile))
        for first, rest in (spell_shuffle(pool, rng, len(before)) for _ in range(resamples))
    ]
    old_stat, new_stat = nearest_rank(before, percentile), nearest_rank(after, percentile)
    ratio = _ratio(old_stat, new_stat)
    low, high = _bounds(ratio, *percentile_interval(null, confidence))
    return Change(metric, percentile, old_stat, new_stat, ratio - 1.0, low - 1.0, high - 1.0,
                  len(before), len(after), sum(1 for s in old if s), sum(1 for s in new if s),
                  confidence)  # fmt: skip


COMPARED_METRICS = ("queue_wait", "run_time", "end_to_end")
COMPARED_PERCENTILES = (50.0, 95.0)


def _found_free_gpu(rec: JobRecord) -> bool:
    wait = job_interval(rec, "queue_wait")
    return wait is not None and wait[0] <= 0.0


def spells_of(records: Sequence[JobRecord], metric: str) -> list[list[float]]:
    """Per-job honest values (failed and lost jobs: infinity) in intended submit order, cut into
    busy spells; the warm-up's jobs are left out, as they are from the run's own figures."""
    ordered = sorted((r for r in records if not r.warmup), key=lambda r: r.intended_at)
    values, starts = [], []
    for rec in ordered:
        iv = job_interval(rec, metric)
        if iv is not None:
            values.append((iv[0] + iv[1]) / 2)
            starts.append(_found_free_gpu(rec))
    return spells(values, starts)


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
            before, after = spells_of(old[scenario], metric), spells_of(new[scenario], metric)
            if not before or not after:
                continue
            for pct in percentiles:
                change = compare_values(metric, before, after, percentile=pct,
                                        confidence=confidence, seed=seed)  # fmt: skip
                out.append(ScopedChange(scenario, change))
    return out
