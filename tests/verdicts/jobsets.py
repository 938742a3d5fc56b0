"""Synthetic job sets: JobRecords with chosen intervals and outcomes, no server needed."""

from __future__ import annotations

import random

from harness.client.records import History, JobStatus, Poll
from harness.load.measure.jobs import JobRecord

__all__ = ["job", "jobs_from_waits"]


def job(
    queue_wait: tuple[float, float] | None = (0.0, 0.0),
    *,
    outcome: str = "completed",
    run_time: tuple[float, float] | None = (1.0, 1.0),
    at: float = 0.0,
    lag: float = 0.0,
    scenario: str = "queue-latency",
    request_id: str | None = "r",
) -> JobRecord:
    history = None
    if request_id is not None:  # one poll that saw the job done
        history = History(request_id, at + lag, at + lag + 0.01)
        done = JobStatus.parse({"request_id": request_id, "status": "completed"})
        history.polls.append(Poll(at + lag + 0.5, at + lag + 0.51, done))
    rec = JobRecord(scenario, "fixed:0.1", at, at + lag, at + lag + 0.01, request_id, history,
                    outcome)  # fmt: skip
    if queue_wait is not None:
        rec.intervals["queue_wait"] = queue_wait
    if run_time is not None:
        rec.intervals["run_time"] = run_time
    if queue_wait is not None and run_time is not None:
        rec.intervals["end_to_end"] = (queue_wait[0] + run_time[0], queue_wait[1] + run_time[1])
    return rec


def jobs_from_waits(waits: list[float], width: float = 0.0) -> list[JobRecord]:
    return [job((w, w + width), at=float(i)) for i, w in enumerate(waits)]


def lognormal_waits(n: int, median: float, seed: int, sigma: float = 0.3) -> list[float]:
    rng = random.Random(seed)
    return [median * rng.lognormvariate(0.0, sigma) for _ in range(n)]
