"""The run's judgement in the typed report: warm-up apart, goodput, honest percentiles, exit code.

Exit codes of a load run: 0 every gate passed; 1 a gate failed (a gate lost by a run that
stopped early with `--stop-on-lost-slo` is failed); 3 a gate was inconclusive (too few jobs, or
detection intervals too wide) and none failed, unless `--inconclusive pass|fail` chose; 130
interrupted (checked by the caller first).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.load.measure.accounting import Bucket
from harness.load.measure.early_stop import Outlook
from harness.load.measure.goodput import Target, goodput, honest_percentiles
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults
from harness.load.measure.slo import Slo
from harness.load.measure.verdicts import Verdict
from harness.load.measure.warmup import Warmup, WarmupSplit, cold_ids

__all__ = [
    "EXIT_FAILED",
    "EXIT_INCONCLUSIVE",
    "EXIT_PASSED",
    "HONEST_METRICS",
    "ColdJobs",
    "GoodputSection",
    "HonestRow",
    "StopSection",
    "WarmupSection",
    "exit_code",
    "goodput_section",
    "honest_rows",
    "judged_jobs",
    "stop_section",
    "warmup_report",
]

EXIT_PASSED, EXIT_FAILED, EXIT_INCONCLUSIVE = 0, 1, 3
HONEST_METRICS = ("queue_wait", "run_time", "end_to_end")


@dataclass(frozen=True)
class HonestRow:
    """Percentiles with failed and lost jobs counted as infinitely late (None: "never")."""

    metric: str
    count: int
    infinitely_late: int
    p50: float | None
    p90: float | None
    p95: float | None
    p99: float | None


def honest_rows(records: Sequence[JobRecord]) -> list[HonestRow]:
    rows = []
    for metric in HONEST_METRICS:
        figures = honest_percentiles(records, metric)
        if figures is not None:
            rows.append(HonestRow(metric, figures["count"], figures["infinitely_late"],
                                  figures["p50"], figures["p90"], figures["p95"],
                                  figures["p99"]))  # fmt: skip
    return rows


@dataclass(frozen=True)
class GoodputSection:
    """Submitted jobs (minus those cancelled on purpose) that completed and met every target."""

    targets: list[str]
    jobs: int
    met: int
    share: float | None
    share_low: float | None  # only jobs whose whole interval met every target
    share_high: float | None  # jobs whose interval met them at least in part


def goodput_section(records: Sequence[JobRecord], slos: Sequence[Slo]) -> GoodputSection:
    per_job = [s for s in slos if s.per_job]
    result = goodput(records, [Target(s.metric, s.holds) for s in per_job]).to_dict()
    return GoodputSection([s.text for s in per_job], result["jobs"], result["met"],
                          result["share"], result["share_low"], result["share_high"])  # fmt: skip


@dataclass(frozen=True)
class ColdJobs:
    known: bool  # False: the server does not say which jobs started cold
    in_warmup: list[str] = field(default_factory=list)  # request ids
    measured: list[str] = field(default_factory=list)  # cold jobs the warm-up did not cover


@dataclass(frozen=True)
class WarmupSection:
    warmup: str  # as given: "30s", "5jobs" or "none"
    excluded_jobs: int
    figures: list[HonestRow]  # of the warm-up jobs
    cold: ColdJobs


def warmup_report(
    splits: Sequence[WarmupSplit], warmup: Warmup, truth: Iterable[Mapping[str, Any]] | None
) -> WarmupSection:
    """The warm-up of a scenario's runs, reported apart, and where its cold jobs fell."""
    warm = [r for s in splits for r in s.warmup]
    measured = [r for s in splits for r in s.measured]
    cold = cold_ids(truth)
    if cold is None:
        cold_jobs = ColdJobs(False)
    else:
        cold_jobs = ColdJobs(True, _ids(warm, cold), _ids(measured, cold))
    return WarmupSection(warmup.text, len(warm), honest_rows(warm), cold_jobs)


def _ids(records: Sequence[JobRecord], cold: set[str]) -> list[str]:
    return [str(r.request_id) for r in records if r.request_id in cold]


def judged_jobs(records: Iterable[JobRecord]) -> list[JobRecord]:
    """The jobs the gates judge: all but the warm-up."""
    return [r for r in records if not r.warmup]


def exit_code(verdicts: Iterable[str], inconclusive: str | None = None) -> int:
    """1 if a gate failed; 3 if one was inconclusive (or as `inconclusive` says); else 0."""
    seen = {Verdict(v) for v in verdicts}
    if Verdict.FAIL in seen:
        return EXIT_FAILED
    if Verdict.INCONCLUSIVE in seen:
        return {"pass": EXIT_PASSED, "fail": EXIT_FAILED}.get(str(inconclusive), EXIT_INCONCLUSIVE)
    return EXIT_PASSED


@dataclass(frozen=True)
class StopSection:
    """Why a run stopped submitting before its budget or time ran out (--stop-on-lost-slo)."""

    scenario: str  # the run that stopped; no later run was started
    at: float  # epoch s: when the gate was found lost
    slo: str  # the gate lost
    jobs: int  # judged jobs then: under + over + undecided
    under: int
    over: int  # failed and lost jobs included
    undecided: int
    more: int | None  # the most jobs the run could still have added (None: unknown)
    needed: int | None  # all-under jobs the gate needed to pass (None: a max gate)
    confidence: float
    submitted: int  # every job the run submitted, those in flight at the stop included
    queued_cancelled: int  # jobs still queued at the run's end, cancelled by it
    reason: str  # why the gate is lost, with its counts
    explanation: str  # the whole story: when, after how many jobs, why, what was cancelled


def stop_section(runs: Mapping[str, Sequence[RunResults]]) -> StopSection | None:
    """The run that stopped early, from the reason its Locust process recorded."""
    for scenario, repeats in runs.items():
        for run in repeats:
            if run.stopped is not None:
                return _stop(scenario, run, run.stopped)
    return None


def _cancelled_by_the_harness(rec: JobRecord) -> bool:
    """Cancelled by the stop or the run's end, not by the scenario (which keeps its `cancel`)."""
    ended = rec.outcome == Bucket.CANCELLED.value and rec.cancel is None
    return ended or rec.cleanup == Bucket.CANCELLED.value


def _stop(scenario: str, run: RunResults, data: dict[str, Any]) -> StopSection:
    look = Outlook.from_dict(data)
    submitted = len(run.records)  # every submit has exactly one record (accounting)
    cancelled = sum(1 for r in run.records if _cancelled_by_the_harness(r))
    at = float(data["at"])
    clock = time.strftime("%H:%M:%S", time.gmtime(at))
    reason = look.explain()
    text = (
        f"stopped early at {clock} UTC after {submitted} jobs: {reason}; {cancelled} queued "
        "jobs cancelled"
    )
    t = look.tally
    return StopSection(scenario, at, look.slo, t.jobs, t.under, t.over, t.undecided, look.more,
                       look.needed, look.confidence, submitted, cancelled, reason,
                       text)  # fmt: skip
