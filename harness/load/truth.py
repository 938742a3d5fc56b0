"""Compare measured per-job intervals with the emulator's ground truth (`/_emulator/jobs`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from harness.load.jobs import JobRecord

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
        run = rec.interval("run_time")
        if queue is None:
            continue
        compared += 1
        true_queue = real["started_at"] - real["submitted_at"]
        if queue.contains(true_queue, _SLACK):
            qw_ok += 1
        else:
            misses.append(
                {
                    "request_id": rec.request_id,
                    "figure": "queue_wait",
                    "true": true_queue,
                    "bounds": [queue.lower, queue.upper],
                }
            )
        if run is not None and real.get("finished_at") is not None:
            true_run = real["finished_at"] - real["started_at"]
            if run.contains(true_run, _SLACK):
                rt_ok += 1
            else:
                misses.append(
                    {
                        "request_id": rec.request_id,
                        "figure": "run_time",
                        "true": true_run,
                        "bounds": [run.lower, run.upper],
                    }
                )
    mean = sum(services) / len(services) if services else None
    return TruthCheck(compared, qw_ok, rt_ok, misses, mean, servers)
