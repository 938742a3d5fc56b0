"""Build the typed load report in one pass: per scenario its sections, then the run's totals,
the capacity headline and the SLO verdicts. Nothing is added to it afterwards.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from harness.load.measure.accounting import Accounting
from harness.load.measure.advice import PolicyPoint, advise
from harness.load.measure.capacity_report import capacity_section
from harness.load.measure.confidence import bootstrap_interval, t_interval
from harness.load.measure.jobs import JobRecord
from harness.load.measure.metrics import INTERVAL_METRICS, METRICS
from harness.load.measure.quantiles import median
from harness.load.measure.results import RunResults, merge_results
from harness.load.measure.server_times import server_times_section
from harness.load.measure.slo import Slo, evaluate
from harness.load.measure.timeline import build_timeline
from harness.load.measure.truth import compare_with_truth
from harness.load.measure.verdicts import DEFAULT_CONFIDENCE
from harness.load.measure.warmup import NO_WARMUP, Warmup, apply_warmup
from harness.load.run.fleet_model import fleet_predictor
from harness.load.run.judging import (
    StopSection,
    goodput_section,
    honest_rows,
    judged_jobs,
    stop_section,
    warmup_report,
)
from harness.load.run.report_model import (
    REPORT_VERSION,
    AccountingSection,
    BoundsRow,
    CancelMoment,
    CancelOutcome,
    CancelSection,
    CapacityAnswer,
    CapacityEstimate,
    ConfidenceRow,
    GroundTruth,
    LoadReport,
    MetricSummary,
    PolicyRow,
    ScenarioReport,
    SloVerdict,
    TargetInfo,
    Violation,
    WorkerRow,
)
from harness.load.run.scenarios import CANCEL_MOMENTS, SCENARIOS

__all__ = ["Truth", "build_report", "cancel_moments", "scenario_report"]


@dataclass(frozen=True)
class Truth:
    """The emulator's ground truth: its jobs, or why there is none."""

    jobs: Sequence[dict[str, Any]] | None
    reason: str = ""
    servers: int | None = None


NO_TRUTH = Truth(None, "not an emulator: no ground truth")


def _metric_order(key: str) -> tuple[int, str]:
    """The registry's order (queue wait before run time...), per-policy keys after their own."""
    names = list(METRICS)
    base = key.split("|", 1)[0]
    return (names.index(base) if base in METRICS else len(names), key)


def _bounds(records: Sequence[JobRecord]) -> list[BoundsRow]:
    """Detection bounds beside the point values: median and max interval width per figure."""
    rows = []
    for name in INTERVAL_METRICS:
        widths = [iv.width for r in records if (iv := r.interval(name)) is not None]
        if widths:
            rows.append(BoundsRow(name, METRICS[name].label, median(widths), max(widths)))
    return rows


def _policy_points(records: Sequence[JobRecord]) -> list[PolicyPoint]:
    by_policy: dict[str, list[JobRecord]] = {}
    for rec in records:
        if rec.outcome == "completed" and rec.interval("detection_delay") is not None:
            by_policy.setdefault(rec.policy, []).append(rec)
    points = []
    for policy, recs in sorted(by_policy.items()):
        delays = [r.interval("detection_delay") for r in recs]
        e2e = [r.interval("end_to_end") for r in recs]
        points.append(
            PolicyPoint(
                policy=policy,
                jobs=len(recs),
                polls_per_job=sum(len(r.polls) for r in recs) / len(recs),
                detection_delay=sum(d.point for d in delays if d) / len(recs),
                detection_bound=sum(d.width for d in delays if d) / len(recs),
                mean_end_to_end=sum(e.point for e in e2e if e) / len(recs),
            )
        )
    return points


def _policy_rows(metrics: dict[str, MetricSummary]) -> list[PolicyRow]:
    """One row per poll policy from the `metric|policy` histograms."""
    policies = sorted({k.split("|", 1)[1] for k in metrics if "|" in k})

    def stat(metric: str, policy: str, name: str) -> float | None:
        m = metrics.get(f"{metric}|{policy}")
        return None if m is None else float(getattr(m, name))

    return [
        PolicyRow(
            p,
            int(stat("polls_per_job", p, "count") or 0),
            stat("polls_per_job", p, "mean"),
            stat("wasted_polls", p, "mean"),
            stat("detection_delay", p, "mean"),
            stat("detection_delay", p, "p95"),
            stat("bytes_per_job", p, "mean"),
        )
        for p in policies
    ]


_NEVER = {
    "after_submit": "no job was accepted",
    "twice": "no job was accepted",
    "while_queued": "no job was seen queued (no queue formed)",
    "while_running": "no job was seen in_progress (poll interval longer than the run time?)",
    "after_completion": "no job was seen finished before the run ended",
}


def _cancel_outcomes(records: Sequence[JobRecord]) -> list[CancelOutcome]:
    counts: Counter[tuple[str, str, str, str]] = Counter()
    for rec in records:
        if rec.cancel is not None:
            cancel = rec.cancel
            key = (cancel.moment, str(cancel.state_before), str(cancel.outcome), rec.outcome)
            counts[key] += 1
    return [CancelOutcome(*key, jobs=n) for key, n in sorted(counts.items())]


def cancel_moments(records: Sequence[JobRecord], planned: Sequence[str]) -> list[CancelMoment]:
    """Every planned moment, with its attempts (0 and the reason when it never happened)."""
    attempts = Counter(rec.cancel.moment for rec in records if rec.cancel is not None)
    moments = [*planned, *sorted(m for m in attempts if m not in planned)]
    return [
        CancelMoment(m, attempts[m], "" if attempts[m] else _NEVER.get(m, "never attempted"))
        for m in moments
    ]


def _confidence(repeats: Sequence[RunResults]) -> list[ConfidenceRow]:
    """Per metric: the repeats' p95s and a 95% interval for their mean."""
    if len(repeats) < 2:
        return []
    rows = []
    for name in sorted({k for r in repeats for k in r.histograms.names() if "|" not in k}):
        p95s = [s.p95 for r in repeats if (s := r.histograms.summary(name)) is not None]
        if len(p95s) >= 2:
            label = METRICS[name].label if name in METRICS else name
            rows.append(ConfidenceRow(name, label, p95s, t_interval(p95s),
                                      bootstrap_interval(p95s)))  # fmt: skip
    return rows


def _ground_truth(records: Sequence[JobRecord], truth: Truth) -> GroundTruth:
    if truth.jobs is None:
        return GroundTruth(False, truth.reason)
    return GroundTruth.of(compare_with_truth(records, truth.jobs, truth.servers))


def _cancel(records: Sequence[JobRecord], settings: dict[str, Any]) -> CancelSection:
    return CancelSection(
        _cancel_outcomes(records), cancel_moments(records, _planned_moments(settings))
    )


def _planned_moments(settings: dict[str, Any]) -> list[str]:
    planned = settings.get("cancel_moment") or settings.get("cancel_moments") or CANCEL_MOMENTS
    if isinstance(planned, str):
        planned = planned.split(",")
    return [str(m).strip() for m in planned if str(m).strip()]


def scenario_report(
    repeats: Sequence[RunResults], *, target_wait: float = 30.0, truth: Truth = NO_TRUTH
) -> ScenarioReport:
    merged = merge_results(list(repeats))
    records = merged.records
    accounting = Accounting.of((r.outcome for r in records), merged.submits_sent).check()
    ground_truth = _ground_truth(records, truth)
    true_rate = None
    if ground_truth.mean_service_time and truth.servers:
        true_rate = truth.servers / ground_truth.mean_service_time
    metrics = {
        name: MetricSummary.of(name, summary)
        for name in sorted(merged.histograms.names(), key=_metric_order)
        if (summary := merged.histograms.summary(name)) is not None
    }
    known = SCENARIOS.get(merged.scenario)
    sections = known.sections if known else ()
    return ScenarioReport(
        scenario=merged.scenario,
        summary=known.summary if known else "",
        repeats=len(repeats),
        started_at=merged.started_at,
        ended_at=merged.ended_at,
        settings=dict(merged.settings),
        accounting=AccountingSection.of(accounting),
        metrics={k: m for k, m in metrics.items() if "|" not in k},
        policies=_policy_rows(metrics),
        bounds=_bounds(records),
        violations=[Violation(r.request_id, v) for r in records for v in r.violations],
        capacity=CapacityEstimate.of(
            capacity_section(
                records,
                target_wait=target_wait,
                poisson=merged.settings.get("arrivals", "poisson") == "poisson",
                predictor_for=fleet_predictor,
            ),
            target_wait=target_wait,
            true_rate=true_rate,
        ),
        server_timestamps=server_times_section(records),
        timeline=build_timeline(records),
        confidence=_confidence(repeats),
        ground_truth=ground_truth,
        advice=advise(_policy_points(records)) if "advice" in sections else None,
        cancel=_cancel(records, merged.settings) if "cancel" in sections else None,
        workers=[WorkerRow.of(w) for w in merged.workers],
        jobs=list(records),
    )


def _answer(section: ScenarioReport) -> CapacityAnswer:
    cap = section.capacity
    return CapacityAnswer(
        section.scenario, cap.available, cap.target_p95_queue_wait, cap.max_rate_for_target,
        cap.lower_bound, cap.saturation_rate_predicted, cap.servers, cap.reason, cap.next_rate,
    )  # fmt: skip


def _verdicts(slos: Sequence[Slo], sections: dict[str, ScenarioReport],
              totals: AccountingSection, confidence: float,
              stop: StopSection | None = None) -> list[SloVerdict]:  # fmt: skip
    metrics = {name: {k: m.stats() for k, m in s.metrics.items()} for name, s in sections.items()}
    counts: dict[str, float] = {"submitted": totals.submitted, **totals.buckets()}
    counts["violations"] = sum(len(s.violations) for s in sections.values())
    jobs = {name: judged_jobs(s.jobs) for name, s in sections.items()}
    results = evaluate(list(slos), metrics, counts, jobs, confidence=confidence)
    return [_lost(SloVerdict.of(r), stop) for r in results]


def _lost(verdict: SloVerdict, stop: StopSection | None) -> SloVerdict:
    """The gate a run stopped on fails: it could no longer pass within that run (the counts
    alone may still read inconclusive: the jobs that could have passed it were never sent)."""
    if stop is None or (verdict.slo, verdict.scope) != (stop.slo, stop.scenario):
        return verdict
    if verdict.verdict == "pass":  # cannot happen when the decision is right: never hide it
        return verdict
    return replace(verdict, verdict="fail", passed=False,
                   explanation=f"{verdict.explanation}; stopped early: {stop.reason}")  # fmt: skip


def _judged_section(
    repeats: Sequence[RunResults], *, target_wait: float, truth: Truth, slos: Sequence[Slo],
    warmup: Warmup,
) -> ScenarioReport:  # fmt: skip
    """A scenario's section with the warm-up out of its figures, and the verdicts' sections."""
    kept = [apply_warmup(r, warmup) for r in repeats]
    section = scenario_report([run for run, _ in kept], target_wait=target_wait, truth=truth)
    judged = judged_jobs(section.jobs)
    return replace(
        section, honest=honest_rows(judged), goodput=goodput_section(judged, slos),
        warmup=None if warmup == NO_WARMUP else warmup_report(
            [split for _, split in kept], warmup, truth.jobs),
    )  # fmt: skip


def build_report(
    runs: dict[str, list[RunResults]],
    *,
    base_url: str,
    embedded: bool,
    target_wait: float,
    settings: dict[str, Any],
    slos: Sequence[Slo] = (),
    truth: Truth = NO_TRUTH,
    generated_at: float | None = None,
    warmup: Warmup = NO_WARMUP,
    confidence: float = DEFAULT_CONFIDENCE,
) -> LoadReport:
    sections = {
        name: _judged_section(
            repeats, target_wait=target_wait, truth=truth, slos=slos, warmup=warmup
        )
        for name, repeats in runs.items()
    }
    totals = sum((s.accounting for s in sections.values()), AccountingSection())
    stop = stop_section(runs)
    return LoadReport(
        version=REPORT_VERSION,
        generated_at=time.time() if generated_at is None else generated_at,
        target=TargetInfo(base_url, embedded),
        settings=settings,
        interrupted=any(r.interrupted for repeats in runs.values() for r in repeats),
        accounting=totals,
        capacity=[_answer(s) for s in sections.values()],
        slos=_verdicts(slos, sections, totals, confidence, stop),
        scenarios=sections,
        stopped_early=stop,
    )
