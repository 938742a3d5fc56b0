"""The process's ledger of jobs: budget, in-flight flows, and the finished records.

Two ways to stop: `close` (the run's end, Ctrl-C: every flow killed, queued jobs cancelled, the
rest counted lost), and `stop_spending` (a lost gate, --stop-on-lost-slo: no more submits, queued
jobs cancelled while their flows go on, so each ends as the server says: cancelled, or run to
the end if it had started; nothing is made up as lost).

Uses gevent (flows are greenlets) but not Locust, so the run-end cleanup is testable alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import Event
from gevent.pool import Group

from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults
from harness.load.swarm.budget import GrantedPermits
from harness.load.swarm.flow import LoadJob, Runner

__all__ = ["JobBook"]


class JobBook:
    def __init__(
        self,
        results: RunResults,
        *,
        budget: int | None = None,
        by_policy: bool = False,
        granted: GrantedPermits | None = None,
    ) -> None:
        self.results = results
        self.budget = budget  # submits this process may still make (None: unlimited)
        self.granted = granted  # a worker's permits from the run's budget, held by the master
        self.by_policy = by_policy
        self.group = Group()
        self.flows: dict[int, LoadJob] = {}
        self._runners: dict[int, Runner] = {}  # the driver of each flow in `flows`
        self._cancelling: set[int] = set()  # jobs whose stop cancel was sent
        self.listeners: list[Callable[[JobRecord], None]] = []  # each finished record
        self.accept_listeners: list[Callable[[JobRecord], None]] = []  # each accepted submit
        self.drivers: list[Any] = []  # each counts the submits it put on the wire
        self.schedulers = 0  # arrival schedules still submitting
        self.schedules_ended = 0  # arrival schedules spent (window over or budget out)
        self.submitted = 0
        self.planned = 0  # jobs the arrival schedules that began mean to submit in all
        self.plans = 0  # arrival schedules that said how many jobs they mean to submit
        self._halted = False  # a lost gate stopped the spending (--stop-on-lost-slo)
        self._closed = False
        self._final = Event()  # set once `close` is done: every record is in `results`
        # jobs the run's end killed after their flow started, with the runner of each
        self._abandoned: list[tuple[LoadJob, Runner]] = []
        self._recorded: set[int] = set()  # ids of abandoned records already finished

    def take_budget(self) -> bool:
        """One more submit allowed? The budget caps submits whatever the scenario."""
        if self._closed or self._halted:
            return False
        if self.budget is not None and self.submitted >= self.budget:
            return False
        if self.granted is not None and (not self.granted.take() or self._closed or self._halted):
            return False  # (closed or halted while waiting for permits: no more submits)
        self.submitted += 1
        return True

    def plan(self, jobs: int) -> None:
        """An arrival schedule begins: it will ask for at most `jobs` submits."""
        self.planned += jobs
        self.plans += 1

    def stop_spending(self) -> None:
        """A lost gate: no more submits from now on, and every job still queued is cancelled
        (one accepted later too); jobs already running go on to their end."""
        self._halted = True
        for key, job in list(self.flows.items()):
            self._cancel_queued(job, self._runners[key])

    @property
    def drained(self) -> bool:
        """No flow or stop cancel is in flight."""
        return len(self.group) == 0

    def _cancel_queued(self, job: LoadJob, run: Runner) -> None:
        rec = job.record
        if rec is None or rec.request_id is None or id(job) in self._cancelling:
            return  # not accepted yet: `_accepted` cancels it once it is
        self._cancelling.add(id(job))

        def cancel() -> None:
            try:  # the flow's next poll sees the outcome and ends the job as the server says
                outcome = run(job.cleanup_flow())  # sent only if it was last seen queued
            except Exception as exc:
                outcome = f"error: {type(exc).__name__}"
            if outcome is not None:
                rec.cleanup = outcome

        self.group.spawn(cancel)

    def start(self, job: LoadJob, body: Any, run: Runner) -> None:
        """Run one job's flow (driven by `run`) in the book's group. It ends in exactly one
        record: its own when it runs to the end, or, if the run's end kills it, the abandoned
        one `close` makes (`run` then drives its clean-up cancel)."""

        job.on_accepted = lambda rec: self._accepted(job, run, rec)

        def go() -> None:
            self.flows[id(job)] = job
            self._runners[id(job)] = run
            try:
                rec = run(job.flow(body))
            except BaseException:  # killed by the run's end (or a bug): started, so it may
                self._abandoned.append((job, run))  # have created a job; `close` records it
                raise
            finally:
                self.flows.pop(id(job), None)
                self._runners.pop(id(job), None)
            self.finish(rec)

        self.group.spawn(go)

    def _accepted(self, job: LoadJob, run: Runner, rec: JobRecord) -> None:
        for listener in self.accept_listeners:
            listener(rec)
        if self._halted:  # its submit was on the wire when the spending stopped
            self._cancel_queued(job, run)

    def finish(self, rec: JobRecord) -> None:
        self.results.add(rec, by_policy=self.by_policy)
        for listener in self.listeners:
            listener(rec)

    @property
    def submits_sent(self) -> int:
        """Submits on the wire so far, counted by the transports apart from the records."""
        return sum(int(d.submits_sent) for d in self.drivers)

    @property
    def closed(self) -> bool:
        """The run's end has begun: no more submits, and the results are being finalised."""
        return self._closed

    @property
    def idle(self) -> bool:
        """Every job ran to its end, and the run's end has not begun (then Locust is stopping)."""
        return not self._closed and self.schedulers == 0 and not self.flows and len(self.group) == 0

    def close(self, timeout: float = 5.0, *, submit_wait: float = 40.0) -> None:
        """Run end: stop following every job; cancel those still queued; all count as lost.

        Blocks until the book is final, whoever calls it: Locust may stop the run from
        several greenlets at once (the SIGTERM handler, a user quitting, the main greenlet),
        and a later caller must not write the results while the first is still cancelling."""
        if self._closed:
            self._final.wait()
            return
        self._closed = True
        if self.granted is not None:
            self.granted.close()  # a schedule waiting for permits stops now
        try:
            self._close(timeout, submit_wait)
        finally:
            self.results.ended_at = time.time()
            if self.results.submits_sent is not None:
                self.results.submits_sent = self.submits_sent
            self._final.set()

    def _close(self, timeout: float, submit_wait: float) -> None:
        # A submit on the wire may create a job: wait for its answer (the transport's own
        # timeout bounds it), or that job would be accepted by the server yet missing from the
        # report and never cancelled. Its flow records the request_id before it next yields.
        waited = 0.0
        while any(f.submitting for f in self.flows.values()) and waited < submit_wait:
            gevent.sleep(0.01)
            waited += 0.01
        self.group.kill(block=True, timeout=timeout)
        abandoned, self._abandoned = self._abandoned, []
        cleanups = [gevent.spawn(self._abandon, job, run) for job, run in abandoned]
        gevent.joinall(cleanups, timeout=timeout)
        for (job, _), cleanup in zip(abandoned, cleanups, strict=True):
            rec = job.record
            if rec is not None and id(rec) not in self._recorded:  # its cleanup hung or broke
                cleanup.kill(block=False)
                rec.cleanup = rec.cleanup or ("timed out" if not cleanup.ready() else "error")
                self._record_once(rec)  # still reported: nothing is lost

    def _abandon(self, job: LoadJob, run: Runner) -> None:
        rec = job.abandon()
        if rec is None:
            return
        try:
            rec.cleanup = run(job.cleanup_flow())  # cancels it if it was last seen queued
        except Exception as exc:  # the report must still be written
            rec.cleanup = f"error: {type(exc).__name__}"
        self._record_once(rec)

    def _record_once(self, rec: JobRecord) -> None:
        if id(rec) not in self._recorded:
            self._recorded.add(id(rec))
            self.finish(rec)
