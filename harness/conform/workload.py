"""The run's jobs: submitted in two waves, read fairly, some cancelled on purpose.

Wave one is the life-cycle jobs (cheapest valid input, see `plan`), so some queue; after one
read of each, wave two (the schema's edges) joins the queue one job at a time, each submit
followed by a read of a queued job it joined behind, so a queue_position that grows when a job
joins shows. Then every job is read on a fair schedule (`schedule`) until it finishes or its
deadline passes; a job is lost only when a read at or after its deadline found it unfinished.
Costly edges are cancelled as soon as they are read queued (only their acceptance is judged).

Cancels are aimed at jobs *seen* queued or in progress; every cancel is followed by a status
read at once, the exchange that shows what the job did next. Two races are aimed on purpose
(`races`): two cancels and a status read at once on the job at queue_position 0, and two
cancels the moment a watched job is first read in_progress (the watch is a faster interval in
the same schedule, so it never starves the other jobs).

Transport noise: reads are retried by the client; a read that still got no answer is skipped
(the next one is due an interval later); a submit that got no answer is booked as a job the
run cannot see; a cancel that got no answer or a transient one is void (noted, not judged).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from harness import schemas
from harness.cases import Case
from harness.checks import CancelTry, CheckContext, JobRecord, Read
from harness.client import Call, Phase
from harness.clock import Clock
from harness.conform.cost import RunCost
from harness.conform.plan import Plan, plan_cases
from harness.conform.races import cancel_at_once
from harness.conform.schedule import PollSchedule
from harness.errors import TransportError

__all__ = ["RESERVED_JOBS", "UNANSWERED", "Workload"]

RESERVED_JOBS = 2  # left for probes that create a job only on a faulty server (invalid, auth)
REREADS = 3  # status reads of each finished job (a flapping terminal state shows in 2)
MAX_TRIES = 3  # tries of one kind of cancel (void, or a race that missed) before giving up
WATCH_SPEEDUP = 10  # a watched job is read this many times as often as the others
WATCH_LIMIT = 20  # poll intervals a job is watched for its start before the next is watched
GRACE_READS = 3  # intervals a job past its deadline is still read when no read got an answer
UNANSWERED = "(submit unanswered)"


@dataclass
class Workload:
    ctx: CheckContext
    clock: Clock
    poll_interval: float
    job_timeout: float
    cost: RunCost | None = None
    _targets: set[str] = field(default_factory=set)
    _given_up: set[str] = field(default_factory=set)
    _schedule: PollSchedule | None = None
    _watch_since: float = 0.0
    _spares: bool = False  # costly edges will be cancelled while queued: no other queued cancel

    def plan(self) -> Plan:
        room = max(0, self.ctx.ledger.remaining - RESERVED_JOBS)
        return plan_cases(
            schemas.load("input"), self.ctx.input_image_url, room, self.ctx.examples, self.ctx.seed
        )

    @property
    def schedule(self) -> PollSchedule:
        if self._schedule is None:
            fast = self.poll_interval / WATCH_SPEEDUP
            self._schedule = PollSchedule(self.poll_interval, fast)
        return self._schedule

    def run(self, plan: Plan | None = None) -> None:
        plan = plan or self.plan()
        self.cost = self.cost or plan.cost()
        self.ctx.obs.job_timeout = self.job_timeout
        self._spares = bool(plan.spare)
        for case in plan.lifecycle:
            self._submit(case)
        for job in list(self.ctx.obs.jobs.values()):
            read = self._poll(job)  # one read each, so the second wave joins behind them
            if read is not None:
                self._act(job, read)  # the queue is deepest now: aim the race at once
        for case in plan.acceptance:
            self._submit(case, spare=plan.costly(case))
            self._read_behind()
        self._track()
        self._finish()
        self._account()

    # -- submits and reads -------------------------------------------------------------
    def _submit(self, case: Case, *, spare: bool = False) -> None:
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
            self.ctx.obs.jobs[rid] = JobRecord(rid, case, read, spare=spare)
            self.schedule.add(rid, self.clock.now(), read.at + self.job_timeout)

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
        job.reads += 1
        job.last_read_at = self.clock.now()
        try:
            return self.ctx.send(call)
        except TransportError:
            return None

    def _poll(self, job: JobRecord) -> Read | None:
        finished = job.terminal
        read = self._read(job)
        if read is not None:
            (job.rereads if finished else job.statuses).append(read)
            self.ctx.ledger.set_state(job.request_id, read.word or f"HTTP {read.http_status}")
        if job.request_id in self.schedule:
            self.schedule.read(job.request_id, self.clock.now())
        return read

    def _read_behind(self) -> None:
        """Read the queued job the newest submit most surely joined behind (the deepest)."""
        queued = [j for j in self._active() if _last_phase(j) is Phase.QUEUED]
        if queued:
            self._poll(max(queued, key=_position))

    # -- the fair loop -------------------------------------------------------------------
    def _active(self) -> list[JobRecord]:
        return [j for j in self.ctx.obs.jobs.values() if not j.terminal and not j.lost]

    def _track(self) -> None:
        pending_read: set[tuple[str, Phase]] = set()
        schedule = self.schedule
        while (due := schedule.next()) is not None:
            rid, at = due
            self.clock.sleep(at - self.clock.now())
            job = self.ctx.obs.jobs[rid]
            sent = self.clock.now()
            read = self._poll(job)
            if job.terminal:
                schedule.remove(rid)
            elif schedule.past_deadline(rid, sent) and read is not None:
                job.lost = True  # this read, sent at or after its deadline, proves it
                schedule.remove(rid)
                continue
            elif schedule.past_deadline(rid, sent - GRACE_READS * self.poll_interval):
                job.lost = True  # no read got an answer at its deadline, nor a while after
                self.ctx.obs.note(f"job {rid}: no status read answered at its deadline")
                schedule.remove(rid)
                continue
            if read is None:
                continue
            key = (rid, read.phase)
            if read.phase in (Phase.QUEUED, Phase.RUNNING) and key not in pending_read:
                pending_read.add(key)
                result = self._read(job, "result")
                if result is not None:
                    job.pending_results.append(result)
            self._act(job, read)

    # -- cancels -------------------------------------------------------------------------
    def _cancel(self, job: JobRecord, kind: str, copies: int = 1, reads: int = 0) -> CancelTry:
        """Send `copies` cancels (and `reads` status reads) at once, record the try, then read
        the job's status once more: the exchange that shows what it did next."""
        attempt = CancelTry(job.request_id, kind, job.last_word, len(job.all_statuses))
        self._targets.add(job.request_id)
        if self.schedule.watched == job.request_id:
            self.schedule.watch(None, self.clock.now())
        cancel_at_once(self.ctx, attempt, copies, reads)
        self.ctx.obs.cancels.append(attempt)
        entry = self.ctx.ledger.get(job.request_id)
        if entry is not None:
            outcomes = [o for o in attempt.outcomes() if isinstance(o, str)]
            entry.cancel = "/".join(outcomes) if outcomes else attempt.void or "no outcome"
        if attempt.void is not None:
            self.ctx.obs.note(f"{kind} cancel of {job.request_id} void: {attempt.void}")
        after = self._poll(job)
        refused_queued = job.spare and after is not None and after.phase is Phase.QUEUED
        if "cancelled" in attempt.outcomes() or refused_queued:
            # Said cancelled, or a costly job's cancel refused while it still queues: the read
            # just sent is the evidence. Reading on would only wait for a job that should not
            # run (and call it lost when it does not finish).
            self.schedule.remove(job.request_id)
        return attempt

    def _kinds_done(self) -> set[str]:
        tried: dict[str, int] = {}
        done = set()
        for t in self.ctx.obs.cancels:
            tried[t.kind] = tried.get(t.kind, 0) + 1
            # A cancel aimed at a queued job that found it started is allowed but exercised
            # nothing of the queued side: aim again at the next job (a few times at most).
            missed = t.kind in ("race", "queued") and "cancelled" not in t.outcomes()
            if (t.void is None and not missed) or tried[t.kind] >= MAX_TRIES:
                done.add(t.kind)
        return done | self._given_up

    def _act(self, job: JobRecord, read: Read) -> None:
        """After each read: cancel what is due, and watch the next job to start."""
        if job.request_id == self.schedule.watched:
            self._watched(job, read)
        free = [j for j in self._active() if j.request_id not in self._targets]
        queued = [j for j in free if _last_phase(j) is Phase.QUEUED]
        for spare in [j for j in queued if j.spare]:
            self._cancel(spare, "queued")  # costly: acceptance was all it was for
        queued = [j for j in queued if not j.spare]
        done = self._kinds_done()
        if "queued" not in done and queued and not self._spares:
            self._cancel(max(queued, key=_position), "queued")  # deepest: surely still queued
            return
        front = sorted(queued, key=_position)
        if "race" not in done and front and _position(front[0]) == 0:
            target = front.pop(0)
            fresh = self._poll(target)  # a fresh read: the cancels follow it within a millisecond
            if fresh is not None and fresh.phase is Phase.QUEUED:
                self._cancel(target, "race", copies=2, reads=1)
            return
        running = [j for j in free if _last_phase(j) is Phase.RUNNING]
        if "running" not in done and running:
            self._cancel(running[0], "running")
        if "start" not in done and front and self.schedule.watched is None:
            self._watch_since = self.clock.now()
            self.schedule.watch(front[0].request_id, self._watch_since)

    def _unwatch(self, job: JobRecord) -> None:
        self._targets.add(job.request_id)  # never watched (nor aimed at) again
        self.schedule.watch(None, self.clock.now())

    def _watched(self, job: JobRecord, read: Read) -> None:
        """The watched job was read: cancel twice the moment it starts; if it went from queued
        to finished between two reads, or does not start for a long while, watch the next."""
        if read.phase is Phase.RUNNING:
            self._cancel(job, "start", copies=2, reads=1)
        elif job.terminal or job.lost:
            self._unwatch(job)
        elif self._passed_by(job) or (
            self.clock.now() - self._watch_since > WATCH_LIMIT * self.poll_interval
        ):
            self._unwatch(job)  # a job that does not start: watch the next one instead

    def _passed_by(self, job: JobRecord) -> bool:
        """A job submitted after `job` was seen running: the queue moved on without it."""
        jobs = list(self.ctx.obs.jobs.values())
        later = jobs[jobs.index(job) + 1 :]
        return any(j.seen(Phase.RUNNING) for j in later)

    # -- the end -------------------------------------------------------------------------
    def _finish(self) -> None:
        jobs = list(self.ctx.obs.jobs.values())
        for job in jobs:
            if job.lost:
                self._cancel(job, "lost")  # stop a job that may still bill; judged elsewhere
                continue
            job.final_result = self._read(job, "result")
            for _ in range(REREADS):
                self._poll(job)
        done = [j for j in jobs if j.last_word == "completed"]
        if done:
            self._cancel(done[0], "finished")

    def _account(self) -> None:
        jobs = list(self.ctx.obs.jobs.values())
        for job in jobs:
            entry = self.ctx.ledger.get(job.request_id)
            if entry is None:
                continue
            entry.state = "lost" if job.lost else job.last_word or "?"
            entry.reads = job.reads
            if job.last_read_at is not None:
                stamp = datetime.fromtimestamp(job.last_read_at, UTC)
                entry.last_read = stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ran = [j.case.body for j in jobs if _ran(j)]
        spared = sum(1 for j in jobs if not _ran(j) and j.last_word == "cancelled")
        if self.cost is not None:
            self.cost = self.cost.after(ran, spared)


def _ran(job: JobRecord) -> bool:
    """Seen running or finished other than cancelled: it held a GPU."""
    phases = {r.phase for r in job.all_statuses}
    if job.final_result is not None:
        phases.add(job.final_result.phase)
    held = {Phase.RUNNING, Phase.DONE, Phase.SUCCEEDED, Phase.FAILED}
    return bool(phases & held) or job.lost


def _last_phase(job: JobRecord) -> Phase:
    return job.statuses[-1].phase if job.statuses else Phase.UNKNOWN


def _position(job: JobRecord) -> int:
    body = job.statuses[-1].body if job.statuses else None
    pos = body.get("queue_position") if isinstance(body, dict) else None
    return pos if isinstance(pos, int) else 0
