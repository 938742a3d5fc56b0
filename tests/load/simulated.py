"""Offline load runs: a seeded FIFO queue with `servers` GPUs, observed the way the harness
observes a real one (polls on a fixed grid give each crossing as an interval), and the
emulator-style ground truth beside it. No sockets, no sleeps: reports built from these are
deterministic.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from harness.client.records import History, JobStatus, Poll
from harness.load.measure.intervals import Interval
from harness.load.measure.jobs import CancelRecord, JobRecord
from harness.load.measure.results import RunResults

T0 = 1767225600.0  # 2026-01-01T00:00:00Z
ACK = 0.002  # submit round trip


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _seen(true: float, origin: float, poll: float) -> Interval:
    """A crossing at `true` seen by polls every `poll` s: last before, first after."""
    k = int((true - origin) // poll)
    return Interval(origin + k * poll, origin + (k + 1) * poll)


@dataclass
class Simulated:
    results: RunResults
    truth: list[dict[str, Any]]


def simulate(
    scenario: str = "queue-latency",
    *,
    jobs: int = 60,
    rate: float = 6.0,
    servers: int = 2,
    service: float = 0.5,
    policies: tuple[float, ...] = (0.05,),
    seed: int = 0,
    cancel_every: int = 0,
    violations: int = 0,
) -> Simulated:
    rng = random.Random(seed)
    results = RunResults(scenario, started_at=T0, settings={"arrivals": "poisson"},
                         submits_sent=jobs)  # fmt: skip
    free = [T0] * servers
    heapq.heapify(free)
    truth, t = [], T0
    for i in range(jobs):
        t += rng.expovariate(rate)
        poll = policies[i % len(policies)]
        rid = f"job-{seed}-{i}"
        rec = JobRecord(scenario, f"fixed {poll:g}s", t, t, t + ACK, request_id=rid)
        created = Interval(t, t + ACK)
        if cancel_every and i % cancel_every == 0:  # cancelled at once: it never takes a GPU
            rec.cancel = CancelRecord("while_queued", "in_queue", t + ACK, 200, "cancelled")
            rec.outcome = "cancelled"
            never = dict.fromkeys(("started_at", "finished_at", "service_time"))
            truth.append({"request_id": rid, "submitted_at": t + ACK / 2, **never,
                          "state": "cancelled"})  # fmt: skip
            results.add(rec, by_policy=scenario == "polling")
            continue
        start = max(t + ACK / 2, heapq.heappop(free))
        run = service * rng.uniform(0.8, 1.2)
        end = start + run
        heapq.heappush(free, end)
        started, finished = _seen(start, t + ACK, poll), _seen(end, t + ACK, poll)
        rec.outcome, rec.final_status = "completed", "completed"
        rec.history = _history(rid, t, poll, start, end)
        rec.intervals = {
            name: (iv.lower, iv.upper)
            for name, iv in {
                "started": started, "finished": finished,
                "queue_wait": started.minus(created), "run_time": finished.minus(started),
                "end_to_end": finished.minus(created),
                "detection_delay": Interval(0.0, finished.width),
            }.items()
        }  # fmt: skip
        rec.note_result({"status": "succeeded", "created_at": _iso(t + ACK / 2),
                         "finished_at": _iso(end)})  # fmt: skip
        if i < violations:
            rec.violations.append("status went back from in_progress to in_queue")
        truth.append({"request_id": rid, "submitted_at": t + ACK / 2, "started_at": start,
                      "finished_at": end, "service_time": run, "state": "completed"})  # fmt: skip
        results.add(rec, by_policy=scenario == "polling")
    results.ended_at = t + 5
    return Simulated(results, truth)


def _history(rid: str, t: float, poll: float, start: float, end: float) -> History:
    """The client's polls of a simulated job: queued, running, then completed once."""
    history = History(rid, t, t + ACK)
    k = 0
    while True:
        sent = t + ACK + k * poll
        word = "in_queue" if sent < start else "in_progress" if sent < end else "completed"
        status = JobStatus(rid, word, 0 if word == "in_queue" else None, {"status": word})
        history.polls.append(Poll(sent, sent + 0.001, status))
        if word == "completed":
            return history
        k += 1
