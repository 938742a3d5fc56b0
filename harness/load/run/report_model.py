"""The load report as a typed model: one dataclass per section, built once (`report.build`),
never patched afterwards. The JSON report is this model serialised (`to_plain`), described by
`schemas/load-report.schema.json` (its `version` is `REPORT_VERSION`); every writer reads it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum
from typing import Any

from harness.load.measure.accounting import Accounting, Bucket
from harness.load.measure.advice import Advice
from harness.load.measure.confidence import ConfidenceInterval
from harness.load.measure.histograms import Summary
from harness.load.measure.jobs import JobRecord
from harness.load.measure.metrics import METRICS
from harness.load.measure.server_times import ServerTimes
from harness.load.measure.slo import SloResult
from harness.load.measure.timeline import Timeline
from harness.load.measure.truth import TruthCheck
from harness.load.run.judging import GoodputSection, HonestRow, StopSection, WarmupSection

__all__ = [
    "REPORT_SCHEMA",
    "REPORT_VERSION",
    "AccountingSection",
    "BoundsRow",
    "CancelMoment",
    "CancelOutcome",
    "CancelSection",
    "CapacityAnswer",
    "CapacityEstimate",
    "ConfidenceRow",
    "CurvePoint",
    "GroundTruth",
    "LoadReport",
    "MetricSummary",
    "PolicyRow",
    "ScenarioReport",
    "SloVerdict",
    "TargetInfo",
    "TruthMiss",
    "Violation",
    "WorkerRow",
    "to_plain",
]

REPORT_VERSION = 1
REPORT_SCHEMA = "load-report.schema.json"


@dataclass(frozen=True)
class AccountingSection:
    """Every submitted job in exactly one bucket; the buckets add up (checked when built)."""

    submitted: int = 0
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0
    rejected: int = 0
    unaccounted: int = 0  # granted to a Locust worker that died before reporting it

    @classmethod
    def of(cls, accounting: Accounting) -> AccountingSection:
        accounting.check()
        return cls(accounting.submitted, **{b.value: accounting.buckets[b.value] for b in Bucket})

    def __add__(self, other: AccountingSection) -> AccountingSection:
        return AccountingSection(*(getattr(self, f.name) + getattr(other, f.name)
                                   for f in fields(self)))  # fmt: skip

    def buckets(self) -> dict[str, int]:
        return {b.value: getattr(self, b.value) for b in Bucket}


@dataclass(frozen=True)
class MetricSummary:
    metric: str
    label: str
    unit: str  # "s" or "count"
    count: int
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    mean: float
    overflow: int  # values over the histograms' range: in `count`, figures on them at the limit

    @classmethod
    def of(cls, metric: str, summary: Summary) -> MetricSummary:
        known = METRICS.get(metric)
        label = known.label if known else metric.replace("_", " ")
        return cls(metric, label, summary.unit, summary.count, summary.p50, summary.p90,
                   summary.p95, summary.p99, summary.max, summary.mean,
                   summary.overflow)  # fmt: skip

    def stats(self) -> dict[str, float]:
        """What an SLO may gate: `queue_wait.p95`, `polls_per_job.mean`..."""
        names = ("p50", "p90", "p95", "p99", "max", "mean", "count")
        return {name: float(getattr(self, name)) for name in names}


@dataclass(frozen=True)
class CurvePoint:
    rate: float  # jobs/s
    p95_queue_wait: float  # s, predicted


@dataclass(frozen=True)
class CapacityEstimate:
    """The capacity answer of one scenario (`measure.capacity_report`), typed once."""

    available: bool
    reason: str  # why not available, or what limits the answer
    kind: str  # "estimate" | "lower bound" | "not enough load"
    target_p95_queue_wait: float  # s
    max_rate_for_target: float | None  # jobs/s: the headline answer (a floor if lower bound)
    lower_bound: bool  # never saw every server busy: servers and rates are floors
    next_rate: float | None  # jobs/s: the rate to run next to learn more
    servers: int | None
    servers_high: int | None  # the proven ceiling, when a queue showed one
    servers_from: str
    saturated: bool
    reliable: bool
    note: str
    max_concurrent_running_seen: int | None
    standing_queue_share: float | None
    mean_service_time: float | None  # s
    cv2_service_time: float | None
    saturated_throughput_measured: float | None  # jobs/s
    saturation_rate_predicted: float | None  # jobs/s
    offered_rate_measured: float | None  # jobs/s
    p95_queue_wait_measured: float | None  # s
    p95_queue_wait_predicted: float | None  # s
    overloaded: bool
    saturation_rate_true: float | None  # jobs/s, the emulator's own
    prediction_error: float | None  # predicted / true - 1; None for a lower bound
    prediction_error_note: str
    curve: list[CurvePoint]

    @classmethod
    def of(
        cls, section: dict[str, Any], *, target_wait: float, true_rate: float | None = None
    ) -> CapacityEstimate:
        """From the capacity section; `true_rate` (the emulator's) scores the prediction."""
        get = section.get
        predicted = get("saturation_rate_predicted")
        lower = bool(get("lower_bound", not get("available")))
        error, why = None, ""
        if true_rate and predicted and not lower:
            error = predicted / true_rate - 1
        elif true_rate and predicted:  # a lower bound's distance from the truth measures nothing
            why = "not meaningful: a lower bound"
        return cls(
            available=bool(get("available")), reason=str(get("reason") or ""),
            kind=str(get("kind") or ("" if get("available") else "not enough load")),
            target_p95_queue_wait=target_wait,
            max_rate_for_target=get("max_rate_for_target"), lower_bound=lower,
            next_rate=get("next_rate"), servers=get("servers"),
            servers_high=get("servers_high"), servers_from=str(get("servers_from") or ""),
            saturated=bool(get("saturated")), reliable=bool(get("reliable", True)),
            note=str(get("note") or ""),
            max_concurrent_running_seen=get("max_concurrent_running_seen"),
            standing_queue_share=get("standing_queue_share"),
            mean_service_time=get("mean_service"), cv2_service_time=get("cv2_service"),
            saturated_throughput_measured=get("saturation_measured"),
            saturation_rate_predicted=predicted,
            offered_rate_measured=get("offered_rate_measured"),
            p95_queue_wait_measured=get("p95_queue_wait_measured"),
            p95_queue_wait_predicted=get("p95_queue_wait_predicted"),
            overloaded=bool(get("overloaded")), saturation_rate_true=true_rate,
            prediction_error=error, prediction_error_note=why,
            curve=[CurvePoint(r, w) for r, w in get("curve") or []],
        )  # fmt: skip


@dataclass(frozen=True)
class PolicyRow:
    """One poll policy of the polling scenario, from its own histograms."""

    policy: str
    jobs: int
    polls_per_job_mean: float | None
    wasted_polls_mean: float | None
    detection_delay_mean: float | None  # s
    detection_delay_p95: float | None  # s
    bytes_per_job_mean: float | None


@dataclass(frozen=True)
class BoundsRow:
    """How wide the detection bounds around a figure's point values were, s."""

    metric: str
    label: str
    median_width: float
    max_width: float


@dataclass(frozen=True)
class Violation:
    request_id: str | None
    violation: str


@dataclass(frozen=True)
class ConfidenceRow:
    """A metric's p95 over repeats, and 95% intervals for its mean."""

    metric: str
    label: str
    p95_per_repeat: list[float]
    t: ConfidenceInterval
    bootstrap: ConfidenceInterval


@dataclass(frozen=True)
class CancelOutcome:
    moment: str
    state_seen: str
    answer: str  # what the cancel call got
    bucket: str  # where the job ended
    jobs: int


@dataclass(frozen=True)
class CancelMoment:
    moment: str
    attempts: int
    reason: str  # why none, when none


@dataclass(frozen=True)
class CancelSection:
    outcomes: list[CancelOutcome]
    moments: list[CancelMoment]


@dataclass(frozen=True)
class TruthMiss:
    """A job whose true time fell outside its measured bounds: the evidence, s."""

    request_id: str | None
    figure: str
    true: float
    bounds: list[float]


@dataclass(frozen=True)
class GroundTruth:
    """The measured intervals against the emulator's own times, job by job."""

    available: bool
    reason: str = ""  # why not available
    compared: int = 0
    queue_wait_within: int = 0
    run_time_within: int = 0
    all_within: bool = False
    misses: list[TruthMiss] = field(default_factory=list)
    mean_service_time: float | None = None  # s, the emulator's own
    true_servers: int | None = None

    @classmethod
    def of(cls, check: TruthCheck) -> GroundTruth:
        misses = [TruthMiss(m["request_id"], m["figure"], m["true"], list(m["bounds"]))
                  for m in check.misses]  # fmt: skip
        return cls(
            True, "", check.compared, check.queue_wait_within, check.run_time_within,
            check.all_within, misses, check.mean_service_time, check.true_servers,
        )  # fmt: skip


@dataclass(frozen=True)
class ScenarioReport:
    scenario: str
    summary: str
    repeats: int
    started_at: float  # epoch s
    ended_at: float  # epoch s
    settings: dict[str, Any]  # what the Locust process ran with, as it said
    accounting: AccountingSection
    metrics: dict[str, MetricSummary]
    policies: list[PolicyRow]
    bounds: list[BoundsRow]
    violations: list[Violation]
    capacity: CapacityEstimate
    server_timestamps: ServerTimes
    timeline: Timeline
    confidence: list[ConfidenceRow]
    ground_truth: GroundTruth
    advice: Advice | None = None
    cancel: CancelSection | None = None
    # The verdicts' sections (harness.load.run.judging): figures that count failed and lost
    # jobs as infinitely late, goodput against the per-job targets, the warm-up set apart.
    honest: list[HonestRow] = field(default_factory=list)
    goodput: GoodputSection | None = None
    warmup: WarmupSection | None = None
    workers: list[WorkerRow] = field(default_factory=list)  # distributed runs only
    jobs: list[JobRecord] = field(default_factory=list)


@dataclass(frozen=True)
class WorkerRow:
    """One Locust worker of a distributed run: what it reported, and if it died, what it left
    unreported (its accepted jobs counted lost, the rest of its grants unaccounted)."""

    worker: str
    state: str  # finished | died
    records: int
    submits_sent: int
    permits: int
    lost: int
    unaccounted: int

    @classmethod
    def of(cls, tally: dict[str, Any]) -> WorkerRow:
        return cls(**{f.name: tally[f.name] for f in fields(cls)})


@dataclass(frozen=True)
class SloVerdict:
    slo: str
    scope: str  # the scenario judged, or "all" for run-wide counts
    actual: float | None
    unit: str  # of `actual`: "s", "count", or "" for a bare number
    verdict: str  # "pass" | "fail" | "inconclusive"
    passed: bool
    explanation: str  # how it was judged: the binomial rule's counts, or the value

    @classmethod
    def of(cls, result: SloResult) -> SloVerdict:
        known = METRICS.get(result.slo.metric)
        unit = "count" if result.slo.stat in (None, "count") else known.unit if known else ""
        return cls(result.slo.text, result.scope, result.actual, unit,
                   str(result.verdict.value).lower(), result.passed, result.explain())  # fmt: skip


@dataclass(frozen=True)
class CapacityAnswer:
    """The headline: the highest rate that keeps p95 queue wait under the target."""

    scenario: str
    available: bool
    target_p95_queue_wait: float  # s
    max_rate: float | None  # jobs/s
    lower_bound: bool
    saturation_rate: float | None  # jobs/s
    servers: int | None
    reason: str = ""
    next_rate: float | None = None  # jobs/s: where to run next when the run could not tell


@dataclass(frozen=True)
class TargetInfo:
    base_url: str
    embedded: bool


@dataclass(frozen=True)
class LoadReport:
    version: int
    generated_at: float  # epoch s
    target: TargetInfo
    settings: dict[str, Any]  # the command's LoadSettings (never the token)
    interrupted: bool
    accounting: AccountingSection
    capacity: list[CapacityAnswer]
    slos: list[SloVerdict]
    scenarios: dict[str, ScenarioReport]
    stopped_early: StopSection | None = None  # --stop-on-lost-slo: the lost gate, when, why

    @property
    def slos_passed(self) -> bool:
        return all(v.passed for v in self.slos)

    @property
    def violations(self) -> int:
        return sum(len(s.violations) for s in self.scenarios.values())


def to_plain(value: Any) -> Any:
    """JSON-ready data: dataclasses by their fields (or their own `to_dict`), enums by value,
    tuples as lists, non-finite floats as None (JSON has no infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int | bool):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, Enum):
        return to_plain(value.value)
    if is_dataclass(value) and not isinstance(value, type):
        to_dict = getattr(value, "to_dict", None)
        if callable(to_dict):
            return to_plain(to_dict())
        return {f.name: to_plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    raise TypeError(f"not report data: {type(value).__name__}")
