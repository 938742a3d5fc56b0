"""The job-level metrics, listed once: name, unit, readable label, and what a job contributes.

Histograms, Locust's stats, the report, its writers and the SLO gates all read `METRICS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.load.measure.accounting import Bucket
from harness.load.measure.jobs import JobRecord

__all__ = [
    "COUNTS",
    "COUNT_METRICS",
    "DURATION_METRICS",
    "INTERVAL_METRICS",
    "METRICS",
    "Metric",
    "metrics_of",
    "unit_of",
]


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # "s" (stored in µs by the histograms) or "count"
    label: str  # what a reader sees
    interval: bool = False  # a per-job interval with detection bounds (METRICS rules)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("time_to_ack", "s", "time to accept"),
        Metric("schedule_lag", "s", "schedule lag"),
        Metric("queue_wait", "s", "queue wait", interval=True),
        Metric("queue_wait_from_intended", "s", "queue wait from intended submit"),
        Metric("run_time", "s", "run time", interval=True),
        Metric("end_to_end", "s", "end to end", interval=True),
        Metric("end_to_end_from_intended", "s", "end to end from intended submit"),
        Metric("detection_delay", "s", "detection delay", interval=True),
        Metric("polls_per_job", "count", "polls per job"),
        Metric("wasted_polls", "count", "wasted polls per job"),
        Metric("bytes_per_job", "count", "bytes per job"),
    )
}
DURATION_METRICS = tuple(n for n, m in METRICS.items() if m.unit == "s")
COUNT_METRICS = tuple(n for n, m in METRICS.items() if m.unit == "count")
INTERVAL_METRICS = tuple(n for n, m in METRICS.items() if m.interval)
# Run-wide counts an SLO may gate (`lost==0`): the accounting's buckets and the violations.
COUNTS = ("submitted", *(b.value for b in Bucket), "violations")


def unit_of(metric: str) -> str:
    """'s' for durations, 'count' for everything counted; `metric|policy` keys too."""
    known = METRICS.get(metric.partition("|")[0])
    return "s" if known is None else known.unit


def metrics_of(rec: JobRecord) -> list[tuple[str, float]]:
    """(metric, value): seconds for durations (interval point values), counts as counts.

    `*_from_intended` measure from when the schedule meant to submit, so a load generator that
    fell behind cannot hide the wait it caused (no coordinated omission).
    """
    out = [("time_to_ack", rec.submit_acked - rec.submit_sent), ("schedule_lag", rec.schedule_lag)]
    if rec.request_id is None:
        return out
    lag = rec.schedule_lag
    for name in INTERVAL_METRICS:
        interval = rec.interval(name)
        if interval is not None:
            out.append((name, interval.point))
            if name in ("queue_wait", "end_to_end"):
                out.append((f"{name}_from_intended", interval.point + lag))
    out += [
        ("polls_per_job", float(len(rec.polls))),
        ("wasted_polls", float(rec.wasted_polls)),
        ("bytes_per_job", float(rec.bytes_sent + rec.bytes_received)),
    ]
    return out
