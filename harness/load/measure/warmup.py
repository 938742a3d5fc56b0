"""Warm-up and cold starts: the first jobs of a run are reported apart, not judged with the rest.

`--warmup 30s` sets aside every job the schedule meant to submit in the run's first 30 s;
`--warmup 5jobs` the run's first five (by intended submit time). A job is *cold* when the
server says its GPU had not run a job before: only the emulator's ground truth tells, so
against a real server coldness is "unknown", never guessed.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from harness.load.measure.histograms import MetricHistograms
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults

__all__ = [
    "NO_WARMUP",
    "Warmup",
    "WarmupSplit",
    "apply_warmup",
    "cold_ids",
    "parse_warmup",
    "split_warmup",
]

_PATTERN = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|h|jobs?)?\s*")
_SECONDS = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True)
class Warmup:
    seconds: float = 0.0
    jobs: int = 0

    @property
    def text(self) -> str:
        if self.jobs:
            return f"{self.jobs}jobs"
        return f"{self.seconds:g}s" if self.seconds else "none"


NO_WARMUP = Warmup()


def parse_warmup(text: str) -> Warmup:
    """`30s`, `2m`, `500ms` (a duration) or `5jobs` (a count); `0` for none."""
    match = _PATTERN.fullmatch(text)
    if not match:
        raise ValueError(f"bad warm-up {text!r}: use a duration (30s, 2m) or a job count (5jobs)")
    number, unit = match[1], match[2] or "s"
    if unit.startswith("job"):
        if "." in number:
            raise ValueError(f"bad warm-up {text!r}: a job count is a whole number")
        return Warmup(jobs=int(number))
    return Warmup(seconds=float(number) * _SECONDS[unit])


@dataclass(frozen=True)
class WarmupSplit:
    measured: list[JobRecord]
    warmup: list[JobRecord]


def split_warmup(
    records: Sequence[JobRecord], warmup: Warmup, start: float | None = None
) -> WarmupSplit:
    """Set aside one run's warm-up jobs; `start` is when the run began (default: its first job)."""
    ordered = sorted(records, key=lambda r: r.intended_at)
    if not ordered:
        return WarmupSplit([], [])
    begin = ordered[0].intended_at if start is None else start
    cut = sum(1 for r in ordered if r.intended_at < begin + warmup.seconds)
    cut = max(cut, min(warmup.jobs, len(ordered)))
    return WarmupSplit(ordered[cut:], ordered[:cut])


def apply_warmup(run: RunResults, warmup: Warmup) -> tuple[RunResults, WarmupSplit]:
    """The run with its figures (histograms) rebuilt from the jobs after the warm-up.

    Every record stays, so the accounting still covers every job submitted; only the figures
    leave the warm-up out. Each record's `warmup` flag says which side it is on.
    """
    split = split_warmup(run.records, warmup, run.started_at or None)
    for rec in run.records:
        rec.warmup = False
    for rec in split.warmup:
        rec.warmup = True
    if not split.warmup:
        return run, split
    by_policy = any("|" in key for key in run.histograms.names())
    rebuilt = dataclasses.replace(run, records=[], histograms=MetricHistograms())
    for rec in split.measured:
        rebuilt.add(rec, by_policy=by_policy)
    rebuilt.records = list(run.records)
    return rebuilt, split


def cold_ids(truth: Iterable[Mapping[str, Any]] | None) -> set[str] | None:
    """Request ids the server ran as a GPU's first job; None when the server cannot say."""
    if truth is None:
        return None
    rows = list(truth)
    if not rows or any("cold" not in row for row in rows):
        return None
    return {str(row["request_id"]) for row in rows if row["cold"]}
