"""SLO gates like k6 thresholds: `queue_wait.p95<30s`, `lost==0`, `polls_per_job.mean<=20`.

Each gate gets a verdict (PASS, FAIL or INCONCLUSIVE, see `verdicts`): a percentile gate over
job figures is judged from every job's detection interval by the binomial rule, a `max` gate
from the intervals directly, everything else (means, counts) from its value.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from harness.load.measure.goodput import job_interval
from harness.load.measure.jobs import JobRecord
from harness.load.measure.verdicts import (
    DEFAULT_CONFIDENCE,
    ShareVerdict,
    Side,
    Tally,
    Verdict,
    allowed_miss_share,
    judge_share,
    tally,
)

__all__ = ["Slo", "SloResult", "evaluate", "job_tally", "parse_slo"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_ONE_SIDED = ("<", "<=", ">", ">=")
_UNITS = {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "m": 60.0, "%": 0.01}
_STATS = ("p50", "p90", "p95", "p99", "max", "mean", "count")
_PATTERN = re.compile(
    r"^\s*(?P<metric>[a-z_]+)(?:\.(?P<stat>[a-z0-9]+))?\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<value>[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*(?P<unit>ms|us|s|m|%)?\s*$"
)


@dataclass(frozen=True)
class Slo:
    text: str
    metric: str
    stat: str | None
    op: str
    value: float  # seconds for durations

    def holds(self, actual: float) -> bool:
        return _OPS[self.op](actual, self.value)

    @property
    def percentile(self) -> float | None:
        """95.0 for a one-sided p95 gate; None for any other gate."""
        if self.stat is None or not self.stat.startswith("p") or self.op not in _ONE_SIDED:
            return None
        return float(self.stat[1:])

    @property
    def allowed_miss(self) -> float | None:
        """The share of jobs a percentile gate lets miss (0.05 for `p95 < X`); None otherwise."""
        percentile = self.percentile
        if percentile is None:
            return None
        return allowed_miss_share(percentile, self.op in ("<", "<="))

    @property
    def per_job(self) -> bool:
        """Does every job have to meet it (a percentile or max gate)? Then it is a job target."""
        return self.percentile is not None or (self.stat == "max" and self.op in _ONE_SIDED)


@dataclass(frozen=True)
class SloResult:
    slo: Slo
    actual: float | None
    verdict: Verdict
    scope: str = "all"  # the scenario whose metrics were judged; "all" for run-wide counts
    share: ShareVerdict | None = None  # the binomial rule's counts, for percentile gates
    note: str = ""

    @property
    def passed(self) -> bool:
        return self.verdict is Verdict.PASS

    def explain(self) -> str:
        if self.share is not None:
            return self.share.explain()
        if self.note:
            return self.note
        return "none measured" if self.actual is None else f"actual {self.actual:.4g}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"slo": self.slo.text, "scope": self.scope, "actual": self.actual,
               "verdict": self.verdict.value, "passed": self.passed,
               "explanation": self.explain()}  # fmt: skip
        if self.share is not None:
            out["evidence"] = self.share.to_dict()
        return out


def parse_slo(text: str) -> Slo:
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"bad SLO {text!r}: use METRIC[.STAT] OP VALUE[ms|s|m|%]")
    stat = match["stat"]
    if stat is not None and stat not in _STATS:
        raise ValueError(f"bad SLO {text!r}: stat must be one of {', '.join(_STATS)}")
    value = float(match["value"]) * _UNITS[match["unit"] or ""]
    return Slo(text.strip(), match["metric"], stat, match["op"], value)


def evaluate(
    slos: list[Slo],
    metrics: Mapping[str, Mapping[str, Mapping[str, Any]]],
    counts: Mapping[str, float],
    jobs: Mapping[str, Sequence[JobRecord]] | None = None,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
) -> list[SloResult]:
    """`metrics`: scenario -> metric -> summary (p95...); `counts`: run-wide buckets, violations;
    `jobs`: scenario -> its judged job records (without them, gates judge summaries only).

    A metric SLO is judged on every scenario that ran (each must hold it); a count SLO once, on
    the run's totals. A metric the run never measured fails: a gate cannot pass on missing data.
    """
    results = []
    scopes = list(metrics) or ["(no scenario ran)"]
    for slo in slos:
        if slo.stat is None:
            results.append(_by_value(slo, counts.get(slo.metric), "all"))
            continue
        for scope in scopes:
            summary = (metrics.get(scope) or {}).get(slo.metric)
            actual = None if summary is None else summary.get(slo.stat)
            records = None if jobs is None else jobs.get(scope)
            if records is not None and slo.per_job:
                results.append(_by_jobs(slo, actual, scope, records, confidence))
            else:
                results.append(_by_value(slo, actual, scope))
    return results


def _by_value(slo: Slo, actual: float | None, scope: str) -> SloResult:
    holds = actual is not None and slo.holds(float(actual))
    return SloResult(slo, actual, Verdict.PASS if holds else Verdict.FAIL, scope)


def job_tally(slo: Slo, records: Sequence[JobRecord]) -> Tally:
    """The jobs under, over and undecided against a per-job gate (failed and lost: over)."""
    intervals = [iv for r in records if (iv := job_interval(r, slo.metric)) is not None]
    return tally(intervals, partial(_holds, slo))


def _by_jobs(
    slo: Slo, actual: float | None, scope: str, records: Sequence[JobRecord], confidence: float
) -> SloResult:
    counts = job_tally(slo, records)
    allowed = slo.allowed_miss
    if allowed is not None:
        share = judge_share(counts, allowed, confidence)
        return SloResult(slo, actual, share.verdict, scope, share)
    return SloResult(slo, actual, _max_verdict(counts), scope, note=_max_note(counts))


def _holds(slo: Slo, value: float) -> bool:
    return slo.holds(value)


def _max_verdict(counts: Tally) -> Verdict:
    """A max gate: one whole interval over fails it, one undecided leaves it open."""
    if counts.over:
        return Verdict.FAIL
    if counts.undecided or not counts.jobs:
        return Verdict.INCONCLUSIVE
    return Verdict.PASS


def _max_note(counts: Tally) -> str:
    text = (f"{counts.jobs} jobs: {counts.under} under, {counts.over} over, "
            f"{counts.undecided} undecided")  # fmt: skip
    if not counts.over and counts.undecided:
        text += f" ({Side.UNDECIDED.value} jobs: poll more often to decide them)"
    return text
