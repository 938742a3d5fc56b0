"""The job-level metrics a finished job contributes, by name (one list for Locust and HDR)."""

from __future__ import annotations

from harness.load.measure.jobs import JobRecord

__all__ = ["COUNT_METRICS", "DURATION_METRICS", "metrics_of"]

DURATION_METRICS = (
    "time_to_ack",
    "schedule_lag",
    "queue_wait",
    "queue_wait_from_intended",
    "run_time",
    "end_to_end",
    "end_to_end_from_intended",
    "detection_delay",
)
COUNT_METRICS = ("polls_per_job", "wasted_polls", "bytes_per_job")


def metrics_of(rec: JobRecord) -> list[tuple[str, float]]:
    """(metric, value): seconds for durations (interval point values), counts as counts.

    `*_from_intended` measure from when the schedule meant to submit, so a load generator that
    fell behind cannot hide the wait it caused (no coordinated omission).
    """
    out = [("time_to_ack", rec.submit_acked - rec.submit_sent), ("schedule_lag", rec.schedule_lag)]
    if rec.request_id is None:
        return out
    lag = rec.schedule_lag
    for name in ("queue_wait", "run_time", "end_to_end", "detection_delay"):
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
