"""Compare measured per-job intervals with the emulator's ground truth (`/_emulator/jobs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from harness.load.measure.jobs import JobRecord

__all__ = ["TruthCheck", "compare_with_truth"]

# Server and client read the same machine clock; allow float noise only.
_SLACK = 1e-3


@dataclass(frozen=True)
class TruthCheck:
    compared: int
    queue_wait_within: int
    run_time_within: int
    misses: list[dict[str, Any]]
    mean_service_time: float | None
    true_servers: int | None = None

    @property
    def all_within(self) -> bool:
        return not self.misses

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"all_within": self.all_within}


def compare_with_truth(
    records: Sequence[JobRecord], truth: Sequence[dict[str, Any]], servers: int | None = None
) -> TruthCheck:
    by_id = {t["request_id"]: t for t in truth}
    compared = qw_ok = rt_ok = 0
    misses: list[dict[str, Any]] = []
    services: list[float] = []
    for rec in records:
        real = by_id.get(rec.request_id or "")
        if real is None or real.get("started_at") is None:
            continue
        if real.get("service_time") is not None:
            services.append(float(real["service_time"]))
        queue = rec.interval("queue_wait")
        if queue is None:
            continue
        compared += 1
        qw_ok += _within(rec, "queue_wait", real["started_at"] - real["submitted_at"], misses)
        if real.get("finished_at") is not None:
            true_run = real["finished_at"] - real["started_at"]
            rt_ok += _within(rec, "run_time", true_run, misses)
    mean = sum(services) / len(services) if services else None
    return TruthCheck(compared, qw_ok, rt_ok, misses, mean, servers)


def _within(rec: JobRecord, figure: str, true: float, misses: list[dict[str, Any]]) -> bool:
    """Is the true value inside the job's measured interval? A miss is kept as evidence."""
    interval = rec.interval(figure)
    if interval is None:
        return False
    if interval.contains(true, _SLACK):
        return True
    misses.append(
        {
            "request_id": rec.request_id,
            "figure": figure,
            "true": true,
            "bounds": [interval.lower, interval.upper],
        }
    )
    return False
