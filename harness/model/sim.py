"""The job life cycle as a lazy discrete-event simulation: no thread, time comes from outside.

Every API call first runs `advance(now)`, which replays what happened since the last call:
finish events in time order (a heap), each freeing a GPU that starts the next queued job.
The same code therefore runs on the real clock (emulator) and on a virtual one (mock).

Input fetches resolve asynchronously (emulator) or at once (mock). A job that starts before
its fetch outcome is known keeps its GPU; a failed fetch ends it early, and a job whose
service time is over but whose fetch is still running waits for the outcome ("parked").
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from harness.model.config import ModelConfig, tenant_label
from harness.model.images import FetchFailure, InputImage, PendingImage
from harness.model.queue import PositionQueue

__all__ = ["Job", "Simulation"]


@dataclass(slots=True, eq=False)
class Job:
    request_id: str
    seq: int
    tenant: int
    submitted_at: float
    prompt: str
    seed: int
    steps: int
    resolution: str
    output_format: str
    expand: bool
    image: PendingImage
    lost: bool = False  # fault lose_jobs: finishes internally, reports in_progress forever
    random_failure: bool = False
    state: str = "queued"  # queued | running | succeeded | failed | cancelled
    started_at: float | None = None
    finished_at: float | None = None
    finish_at: float | None = None  # the live finish event's time (others are stale)
    service_time: float | None = None
    input: InputImage | None = None
    error: FetchFailure | None = None
    parked: bool = False
    cold: bool = False  # the first job its GPU ran: paid the configured cold-start cost
    reads: dict[str, int] = field(default_factory=dict)  # per-endpoint read counters (faults)

    def bump(self, key: str) -> int:
        self.reads[key] = n = self.reads.get(key, 0) + 1
        return n

    def record(self, expired: bool = False) -> dict[str, Any]:
        """Ground truth: what really happened, by the model's own clock."""
        return {
            "request_id": self.request_id,
            "tenant": tenant_label(self.tenant),
            "state": "lost" if self.lost and self.state == "succeeded" else self.state,
            "submitted_at": self.submitted_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "service_time": self.service_time,
            "error": None if self.error is None else self.error.code,
            "num_inference_steps": self.steps,
            "resolution": self.resolution,
            "output_format": self.output_format,
            "expired": expired,
            "cold": self.cold,
        }


class Simulation:
    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.now = float("-inf")
        self.jobs: dict[str, Job] = {}
        self.queue = PositionQueue()
        self._queued: dict[int, Job] = {}
        self._events: list[tuple[float, int, str]] = []
        self._free = config.workers
        self._cold = config.workers  # workers that have not run a job yet
        self._awaiting: dict[str, Job] = {}  # running, fetch outcome still unknown
        self._retained: deque[tuple[float, str]] = deque()
        self.history: deque[dict[str, Any]] = deque(maxlen=config.ground_truth_limit)
        self.submitted = 0

    # -- time ------------------------------------------------------------------
    def advance(self, now: float) -> None:
        if self._awaiting:
            self._resolve_fetches()
        events = self._events
        while events and events[0][0] <= now:
            t, _, rid = heapq.heappop(events)
            job = self.jobs.get(rid)
            if job is None or job.state != "running" or job.finish_at != t:
                continue  # stale event (rescheduled or cancelled)
            if rid in self._awaiting:
                job.parked = True
                continue
            self._finish(job, t)
        self.now = max(self.now, now)
        retention = self.config.retention
        while self._retained and self._retained[0][0] + retention <= now:
            _, rid = self._retained.popleft()
            gone = self.jobs.pop(rid, None)
            if gone is not None:
                self.history.append(gone.record(expired=True))

    def _resolve_fetches(self) -> None:
        for rid, job in list(self._awaiting.items()):
            outcome = job.image.outcome()
            if outcome is None:
                continue
            del self._awaiting[rid]
            assert job.started_at is not None
            if isinstance(outcome, FetchFailure):
                job.error = outcome
                early = max(job.started_at + self.config.times.failure_seconds(), self.now)
                if job.parked or job.finish_at is None or early < job.finish_at:
                    self._schedule(job, early)
            else:
                job.input = outcome
                if job.parked:
                    self._schedule(job, self.now)
            job.parked = False

    def _schedule(self, job: Job, t: float) -> None:
        job.finish_at = t
        heapq.heappush(self._events, (t, job.seq, job.request_id))

    # -- transitions -------------------------------------------------------------
    def submit(self, job: Job) -> None:
        # The caller stamps submitted_at after its own advance(): a GPU freed in between must
        # take the jobs already queued first, or this one would start before its own submit.
        self.advance(job.submitted_at)
        self.jobs[job.request_id] = job
        self.submitted += 1
        if self._free > 0 and not self.queue:
            self._free -= 1
            self._start(job, job.submitted_at)
        else:
            self.queue.push(job.seq)
            self._queued[job.seq] = job

    def _start(self, job: Job, t: float) -> None:
        job.state, job.started_at = "running", t
        cold = job.cold = self._cold > 0
        self._cold -= int(cold)
        times = self.config.times
        job.service_time = times.sample(
            self.rng, steps=job.steps, hd=job.resolution == "720p", expand=job.expand, cold=cold
        )
        outcome = job.image.outcome()
        if isinstance(outcome, FetchFailure):
            job.error = outcome
            self._schedule(job, t + times.failure_seconds())
            return
        if outcome is None:
            self._awaiting[job.request_id] = job
        else:
            job.input = outcome
        self._schedule(job, t + job.service_time)

    def _finish(self, job: Job, t: float) -> None:
        if job.error is None and job.random_failure:
            job.error = FetchFailure("internal_error", "the model failed on this input")
        job.state = "failed" if job.error is not None else "succeeded"
        job.finished_at = t
        job.finish_at = None
        self._retained.append((t, job.request_id))
        self._next_on_free_worker(t)

    def _next_on_free_worker(self, t: float) -> None:
        seq = self.queue.pop()
        if seq is None:
            self._free += 1
            return
        self._start(self._queued.pop(seq), t)

    def cancel(self, job: Job, now: float) -> bool:
        """Cancel a queued job (or, when `job` runs, a running one: fault cancel_in_progress)."""
        if job.state == "queued":
            self.queue.remove(job.seq)
            del self._queued[job.seq]
        elif job.state == "running" and not job.lost:
            self._awaiting.pop(job.request_id, None)
            self._next_on_free_worker(now)
        else:
            return False
        job.state, job.finished_at, job.finish_at = "cancelled", now, None
        self._retained.append((now, job.request_id))
        return True

    # -- reads -------------------------------------------------------------------
    def position(self, job: Job) -> int:
        return self.queue.position(job.seq)

    def ground_truth(self) -> list[dict[str, Any]]:
        return [*self.history, *(j.record() for j in self.jobs.values())]

    def counts(self) -> dict[str, int]:
        return {
            "held": len(self.jobs),
            "queued": len(self.queue),
            "running": self.config.workers - self._free,
            "submitted": self.submitted,
        }
