"""The load report as data: per scenario a summary, accounting, capacity, advice, cancel table;
then SLO verdicts and confidence intervals over repeats. Writers (JSON, HTML) read only this.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from statistics import median
from typing import Any

from harness.load.measure.accounting import Accounting
from harness.load.measure.advice import PolicyPoint, advise
from harness.load.measure.capacity_report import capacity_section
from harness.load.measure.confidence import bootstrap_interval, t_interval
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults, merge_results
from harness.load.measure.server_times import server_times_section
from harness.load.measure.timeline import build_timeline
from harness.load.measure.truth import compare_with_truth
from harness.load.run.fleet_model import fleet_predictor

__all__ = ["INTERVAL_METRICS", "scenario_report"]

INTERVAL_METRICS = ("queue_wait", "run_time", "end_to_end", "detection_delay")


def _bounds(records: Sequence[JobRecord]) -> dict[str, dict[str, float]]:
    """Detection bounds beside the point values: median and max interval width per figure."""
    out = {}
    for name in INTERVAL_METRICS:
        widths = [iv.width for r in records if (iv := r.interval(name)) is not None]
        if widths:
            out[name] = {"median_width": median(widths), "max_width": max(widths)}
    return out


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


_NEVER = {
    "after_submit": "no job was accepted",
    "twice": "no job was accepted",
    "while_queued": "no job was seen queued (no queue formed)",
    "while_running": "no job was seen in_progress (poll interval longer than the run time?)",
    "after_completion": "no job was seen finished before the run ended",
}


def _cancel_table(records: Sequence[JobRecord]) -> dict[str, Any]:
    table: dict[str, Counter[str]] = {}
    for rec in records:
        if rec.cancel is None:
            continue
        key = f"{rec.cancel.moment} / seen {rec.cancel.state_before}"
        table.setdefault(key, Counter())[f"{rec.cancel.outcome} -> {rec.outcome}"] += 1
    return {key: dict(counts) for key, counts in sorted(table.items())}


def _cancel_moments(records: Sequence[JobRecord], planned: str) -> list[dict[str, Any]]:
    """Every planned moment, with its attempts (0 and the reason when it never happened)."""
    moments = [m.strip() for m in planned.split(",") if m.strip()]
    attempts = Counter(rec.cancel.moment for rec in records if rec.cancel is not None)
    moments += sorted(m for m in attempts if m not in moments)
    return [
        {
            "moment": m,
            "attempts": attempts[m],
            "reason": "" if attempts[m] else _NEVER.get(m, "never attempted"),
        }
        for m in moments
    ]


def _confidence(repeats: Sequence[RunResults]) -> dict[str, Any]:
    """Per metric: the repeats' p95s and a 95% interval for their mean."""
    out: dict[str, Any] = {}
    if len(repeats) < 2:
        return out
    names = sorted({k for r in repeats for k in r.histograms.names() if "|" not in k})
    for name in names:
        p95s = [s.p95 for r in repeats if (s := r.histograms.summary(name)) is not None]
        if len(p95s) >= 2:
            out[name] = {
                "p95_per_repeat": p95s,
                "t": t_interval(p95s).to_dict(),
                "bootstrap": bootstrap_interval(p95s).to_dict(),
            }
    return out


def scenario_report(
    repeats: Sequence[RunResults],
    *,
    target_wait: float = 30.0,
    truth: Sequence[dict[str, Any]] | None = None,
    true_servers: int | None = None,
) -> dict[str, Any]:
    merged = merge_results(list(repeats))
    records = merged.records
    accounting = Accounting.of((r.outcome for r in records), merged.submits_sent).check()
    timeline = build_timeline(records)
    poisson = merged.settings.get("arrivals", "poisson") == "poisson"
    section: dict[str, Any] = {
        "scenario": merged.scenario,
        "settings": merged.settings,
        "started_at": merged.started_at,
        "ended_at": merged.ended_at,
        "repeats": len(repeats),
        "accounting": accounting.to_dict(),
        "metrics": merged.histograms.summaries(),
        "bounds": _bounds(records),
        "violations": [
            {"request_id": r.request_id, "violation": v} for r in records for v in r.violations
        ],
        "capacity": capacity_section(
            records, target_wait=target_wait, poisson=poisson, predictor_for=fleet_predictor
        ),
        "server_timestamps": server_times_section(records),
        "timeline": timeline.__dict__,
        "confidence": _confidence(repeats),
    }
    if merged.scenario == "polling":
        section["advice"] = advise(_policy_points(records))
    if merged.scenario == "cancel":
        section["cancel_outcomes"] = _cancel_table(records)
        planned = str(merged.settings.get("cancel_moments") or ",".join(_NEVER))
        section["cancel_moments"] = _cancel_moments(records, planned)
    if truth is not None:
        check = compare_with_truth(records, truth, true_servers)
        section["ground_truth"] = check.to_dict()
        if check.mean_service_time and true_servers:
            true_rate = true_servers / check.mean_service_time
            section["capacity"]["saturation_rate_true"] = true_rate
            cap = section["capacity"]
            predicted = cap.get("saturation_rate_predicted")
            if predicted and not cap.get("lower_bound"):
                cap["prediction_error"] = predicted / true_rate - 1
            elif predicted:  # a lower bound's distance from the truth measures nothing
                cap["prediction_error"] = None
                cap["prediction_error_note"] = "not meaningful: a lower bound"
    section["jobs"] = [r.to_dict() for r in records]
    return section
