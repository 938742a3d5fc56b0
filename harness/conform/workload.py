"""The run's jobs: submit valid cases as one burst (so some queue), poll them all, cancel some.

Checks judge what this records. Cancels are aimed at jobs *seen* queued or in progress; when a
job moves in between (a race), the check accepts any answer the contract allows. Two races are
aimed on purpose (`races`): two cancels and a status read at once on the job at queue_position
0, and two cancels the moment a watched job is first read in_progress.

Transport noise: reads are retried by the client; a read that still got no answer is skipped
(the next poll reads again); a submit that got no answer is booked as a job the run cannot see;
a cancel that got no answer or a transient one is void (noted, not judged, aimed again).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness import schemas
from harness.cases import Case, draw, valid_cases, valid_edges
from harness.checks import CancelTry, CheckContext, JobRecord, Read
from harness.client import Call, Phase
from harness.clock import Clock
from harness.conform.races import cancel_at_once, watch_start
from harness.errors import TransportError

__all__ = ["RESERVED_JOBS", "Workload"]

RESERVED_JOBS = 2  # left for probes that create a job only on a faulty server (invalid, auth)
REREADS = 3  # status reads of each finished job (a flapping terminal state shows in 2)
MAX_TRIES = 3  # tries of one kind of cancel (void, or a race that missed) before giving up
UNANSWERED = "(submit unanswered)"


def _generated(case: Case) -> bool:
    return case.label.startswith("generated")


@dataclass
class Workload:
    ctx: CheckContext
    clock: Clock
    poll_interval: float
    job_timeout: float
    _targets: set[str] = field(default_factory=set)
    _given_up: set[str] = field(default_factory=set)

    def cases(self) -> list[Case]:
        room = max(0, self.ctx.ledger.remaining - RESERVED_JOBS)
        schema = schemas.load("input")
        edges = valid_edges(schema, self.ctx.input_image_url)
        extra = [c for c in edges if c.extra]
        plain = [c for c in edges if not c.extra]
        chosen = (plain + extra)[:room]
        more = draw(valid_cases(schema, self.ctx.input_image_url), self.ctx.examples, self.ctx.seed)
        chosen += [c for c in more if _generated(c)][: room - len(chosen)]
        return chosen

    def run(self) -> None:
        self.ctx.obs.job_timeout = self.job_timeout
        # Generated bodies first: they take the front of the queue, where the races aim, so
        # the edge cases (formats, sizes) run to the end and keep their output checks.
        for case in sorted(self.cases(), key=lambda c: not _generated(c)):
            self._submit(case)
        self._track()
        self._finish()

    def _submit(self, case: Case) -> None:
        call = Call.submit(case.body, self.ctx.client.model_id, raw=case.payload())
        try:
            read = self.ctx.send(call)
        except TransportError:
            if self._unreachable():
                raise  # nothing ever answered and this could not even connect: exit 2
            # Never re-sent (it could bill twice); it may have created a job nobody can see.
            self.ctx.ledger.add(UNANSWERED, "workload", "unknown: the submit got no answer")
            self.ctx.obs.note(f"submit of {case.label!r} got no answer (not re-sent)")
            return
        self.ctx.obs.submits.append((case, read))
        rid = read.body.get("request_id") if isinstance(read.body, dict) else None
        if read.ok and isinstance(rid, str) and rid:
            self.ctx.ledger.add(rid, "workload", "submitted")
            self.ctx.obs.jobs[rid] = JobRecord(rid, case, read)

    def _unreachable(self) -> bool:
        """No call has got an answer yet and the last one could not connect: a dead target,
        not transport noise (a dropped answer is a RemoteProtocolError/ReadError)."""
        seen = self.ctx.obs.exchanges
        if not seen or any(e.status_code is not None for e in seen):
            return False
        return (seen[-1].error or "").startswith(("ConnectError", "ConnectTimeout"))

    def _read(self, job: JobRecord, endpoint: str = "status") -> Read | None:
        """A read, retried by the client; None when it still got no answer."""
        call = Call.on_request("result" if endpoint == "result" else "status", job.request_id)
        try:
            return self.ctx.send(call)
        except TransportError:
            return None

    def _poll(self, job: JobRecord) -> Read | None:
        read = self._read(job)
        if read is not None:
            job.statuses.append(read)
            self.ctx.ledger.set_state(job.request_id, read.word or f"HTTP {read.http_status}")
        return read

    def _cancel(self, job: JobRecord, kind: str, copies: int = 1, reads: int = 0) -> CancelTry:
        """Send `copies` cancels (and `reads` status reads) at once; record the try."""
        attempt = CancelTry(job.request_id, kind, job.last_word, len(job.all_statuses))
        self._targets.add(job.request_id)
        cancel_at_once(self.ctx, attempt, copies, reads)
        self.ctx.obs.cancels.append(attempt)
        entry = self.ctx.ledger.get(job.request_id)
        if entry is not None:
            outcomes = [o for o in attempt.outcomes() if isinstance(o, str)]
            entry.cancel = "/".join(outcomes) if outcomes else attempt.void or "no outcome"
        if attempt.void is not None:
            self.ctx.obs.note(f"{kind} cancel of {job.request_id} void: {attempt.void}")
        return attempt

    def _kinds_done(self) -> set[str]:
        tried: dict[str, int] = {}
        done = set()
        for t in self.ctx.obs.cancels:
            tried[t.kind] = tried.get(t.kind, 0) + 1
            # A race that found the job already started is allowed but exercised nothing of
            # the queued side: aim again at the next job (a few times at most).
            missed = t.kind == "race" and "cancelled" not in t.outcomes()
            if (t.void is None and not missed) or tried[t.kind] >= MAX_TRIES:
                done.add(t.kind)
        return done | self._given_up

    def _track(self) -> None:
        jobs = list(self.ctx.obs.jobs.values())
        pending_read: set[tuple[str, Phase]] = set()
        while True:
            active = [j for j in jobs if not j.terminal and not j.lost]
            if not active:
                return
            now = self.clock.now()
            for job in active:
                if now - job.submit.at > self.job_timeout:
                    job.lost = True
                    continue
                read = self._poll(job)
                if read is None:
                    continue
                key = (job.request_id, read.phase)
                if read.phase in (Phase.QUEUED, Phase.RUNNING) and key not in pending_read:
                    pending_read.add(key)
                    result = self._read(job, "result")
                    if result is not None:
                        job.pending_results.append(result)
            self._act(active)
            self.clock.sleep(self.poll_interval)

    def _act(self, active: list[JobRecord]) -> None:
        done = self._kinds_done()
        free = [j for j in active if j.request_id not in self._targets]
        queued = [j for j in free if _last_phase(j) is Phase.QUEUED]
        # Deepest in the queue first (surely still queued), randomly generated bodies first.
        queued.sort(key=lambda j: (not _generated(j.case), -_position(j)))
        if "queued" not in done and queued:
            self._cancel(queued.pop(0), "queued")
        front = sorted(queued, key=_position)
        if "race" not in done and front and _position(front[0]) == 0:
            job = front.pop(0)
            read = self._poll(job)  # a fresh read: the cancels follow it within a millisecond
            if read is not None and read.phase is Phase.QUEUED:
                self._cancel(job, "race", copies=2, reads=1)
        running = [j for j in free if _last_phase(j) is Phase.RUNNING]
        running.sort(key=lambda j: -float(j.case.value("num_inference_steps", 8) or 8))
        if "running" not in done and running:
            self._cancel(running[0], "running")
        if "start" not in done and front:
            self._start(front[0])

    def _start(self, job: JobRecord) -> None:
        """Watch the next job to start; the moment it reads in_progress, cancel it twice."""
        deadline = job.submit.at + self.job_timeout
        started = watch_start(job, self._poll, self.clock, self.poll_interval / 10, deadline)
        if started:
            self._cancel(job, "start", copies=2, reads=1)
        elif job.terminal:
            self._targets.add(job.request_id)  # went past in_progress between reads: next one
        else:
            self._given_up.add("start")

    def _finish(self) -> None:
        jobs = list(self.ctx.obs.jobs.values())
        for job in jobs:
            if job.lost:
                self._cancel(job, "lost")  # stop a job that may still bill; judged elsewhere
                continue
            job.final_result = self._read(job, "result")
            for _ in range(REREADS):
                read = self._read(job)
                if read is not None:
                    job.rereads.append(read)
        done = [j for j in jobs if j.last_word == "completed"]
        if done:
            self._cancel(done[0], "finished")
            read = self._read(done[0])
            if read is not None:
                done[0].rereads.append(read)
        for job in jobs:
            self.ctx.ledger.set_state(job.request_id, "lost" if job.lost else job.last_word or "?")


def _last_phase(job: JobRecord) -> Phase:
    return job.statuses[-1].phase if job.statuses else Phase.UNKNOWN


def _position(job: JobRecord) -> int:
    body = job.statuses[-1].body if job.statuses else None
    pos = body.get("queue_position") if isinstance(body, dict) else None
    return pos if isinstance(pos, int) else 0
