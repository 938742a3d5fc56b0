"""Master and workers over Locust's own messages: the budget, the job records, the run's end.

- Budget: a worker asks its master for permits (`chronoedit_permits` {want}); the master's
  `BudgetLedger` answers {granted} and never grants past `--max-jobs`.
- Records: a worker tells its master each request id the moment the server accepts the job,
  and every 0.5 s sends the records just finished (`chronoedit_jobs`, with how many jobs its
  arrival schedules mean to submit once all have begun); the master's `Gather` keeps them.
- Stopping early (`--stop-on-lost-slo`): the master, holding every record, decides
  (`swarm.stopping`); once a gate is lost it grants no more permits and tells every worker
  (`chronoedit_stop`): each stops submitting, cancels its queued jobs, lets its running ones
  end, then says it is done; once all have, the master ends the run as below.
- The run's end: when the master stops (run time, every worker done, SIGTERM or Ctrl-C), before
  Locust tells the workers to quit it sends `chronoedit_finish`; each worker closes its book
  (queued jobs cancelled) and sends its final batch. The master waits for every worker's final
  batch; a worker that went missing (no heartbeat) or never answers is written off: reported as
  died, its accepted jobs lost, what else it was granted unaccounted. The master then cancels
  those lost jobs itself (`orphans`): queued, they would still run at the user's cost.
Nothing here touches a file: workers may run on other machines.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

import gevent
from locust.env import Environment
from locust.runners import STATE_MISSING, MasterRunner, WorkerRunner

from harness.load.measure.accounting import Bucket
from harness.load.measure.results import RunResults
from harness.load.swarm.book import JobBook
from harness.load.swarm.budget import BudgetLedger, GrantedPermits
from harness.load.swarm.orphans import cancel_orphans
from harness.load.swarm.relay import Gather, Outbox

__all__ = ["Master", "Worker", "drain"]

_log = logging.getLogger("harness.load")
JOBS, PERMITS, FINISH = "chronoedit_jobs", "chronoedit_permits", "chronoedit_finish"
STOP = "chronoedit_stop"  # master -> workers: a gate is lost, spend nothing more
DRAIN_LOOK = 0.1  # seconds between looks at a stopped book's jobs in flight
FLUSH_EVERY = 0.5  # seconds between a worker's batches
FINISH_WAIT = 120.0  # longest a master waits for its workers' final batches
_LOOK = 0.1


class Worker:
    """A worker process's side: its outbox, its permits, its final batch."""

    def __init__(self, runner: WorkerRunner) -> None:
        self.runner = runner
        self.outbox = Outbox()
        self.book: JobBook | None = None
        self.permits: GrantedPermits | None = None
        self.header: dict[str, Any] = {}  # scenario, by_policy, settings: for the master
        # jobs this worker's arrival schedules mean to submit, once every one has begun
        self.planned: Callable[[], int | None] = lambda: None
        self._planned_told: int | None = None
        self.done: Callable[[], None] = lambda: None  # tells the master this worker is done
        self.stopped = False  # the master said stop: a book adopted later spends nothing
        runner.register_message(PERMITS, self._granted)
        runner.register_message(FINISH, self._finish, concurrent=True)
        runner.register_message(STOP, self._stop, concurrent=True)

    def adopt(self, book: JobBook, *, max_jobs: int, rate: float, workers: int) -> None:
        """Wire the process's book: permits from the master, records to the outbox."""
        self.book = book
        if self.stopped:
            book.stop_spending()
        self.header = {
            "scenario": book.results.scenario,
            "by_policy": book.by_policy,
            "settings": book.results.settings,
        }
        if max_jobs > 0:
            # about half a second of this worker's share of the rate per request
            batch = min(50, max(1, math.ceil(rate / max(1, workers) / 2)))
            self.permits = GrantedPermits(self._ask, batch)
            book.granted = self.permits
        book.accept_listeners.append(self._accepted)
        book.listeners.append(self.outbox.finish)
        gevent.spawn(self._flush_loop)

    def _accepted(self, rec: Any) -> None:
        """The server has a job: the master hears of it now, so a worker dying later cannot
        take it out of the report (only a job accepted in its very last instant can be)."""
        self.outbox.accept(rec)
        if not self.outbox.final_sent:
            self._send(final=False)

    def _ask(self, count: int) -> None:
        self.runner.send_message(PERMITS, {"want": count})

    def _granted(self, msg: Any, **_kw: Any) -> None:
        if self.permits is not None:
            self.permits.granted(int(msg.data["granted"]))

    def _flush_loop(self) -> None:
        while not self.outbox.final_sent:
            gevent.sleep(FLUSH_EVERY)
            news = self.outbox.pending or self.planned() != self._planned_told
            if news and not self.outbox.final_sent:
                self._send(final=False)

    def _send(self, *, final: bool) -> None:
        book = self.book
        batch = self.outbox.batch(
            submits_sent=book.submits_sent if book is not None else 0,
            permits=self.permits.received if self.permits is not None else 0,
            final=final,
        )
        self._planned_told = self.planned()
        self.runner.send_message(JOBS, {**self.header, **batch, "planned": self._planned_told})

    def _finish(self, **_kw: Any) -> None:
        self.finish()

    def _stop(self, *_args: Any, **_kw: Any) -> None:
        """The master found a gate lost: stop spending, then say done once nothing is in flight."""
        self.stopped = True
        if self.book is not None:
            drain(self.book)
        self.done()

    def finish(self) -> None:
        """Close the book (cancels queued jobs) and send the final batch, once."""
        if self.outbox.final_sent:
            return
        if self.book is not None:
            self.book.close()
        if not self.outbox.final_sent:
            self._send(final=True)
            _log.info("worker sent its final batch")


class Master:
    """The master's side: the budget ledger, the gathered records, the wait for finals."""

    def __init__(self, runner: MasterRunner, *, max_jobs: int, workers: int = 1) -> None:
        self.runner = runner
        self.workers = max(1, workers)  # how many workers the run expects
        self.ledger = BudgetLedger(max_jobs) if max_jobs > 0 else None
        self.halted = False  # a lost gate stopped the spending: no more permits
        self.spawned = False  # every worker has its users (Locust's spawning_complete)
        self.gather = Gather(RunResults("", started_at=time.time(), submits_sent=0))
        runner.register_message(JOBS, self._jobs)
        runner.register_message(PERMITS, self._permits)
        self._finished = False

    @property
    def results(self) -> RunResults:
        return self.gather.results

    def _jobs(self, msg: Any, **_kw: Any) -> None:
        data: dict[str, Any] = msg.data
        results = self.gather.results
        results.scenario = results.scenario or str(data.get("scenario", ""))
        results.settings = results.settings or dict(data.get("settings") or {})
        self.gather.by_policy = bool(data.get("by_policy", False))
        self.gather.receive(str(msg.node_id), data)

    def _permits(self, msg: Any, **_kw: Any) -> None:
        want = 0 if self.halted else int(msg.data.get("want", 0))
        given = self.ledger.grant(str(msg.node_id), want) if self.ledger is not None else want
        self.runner.send_message(PERMITS, {"granted": given}, client_id=msg.node_id)

    @property
    def finishing(self) -> bool:
        return self._finished

    def caps(self) -> tuple[int | None, int | None]:
        """The run's known caps on submits: the budget, and the workers' arrival schedules."""
        return (self.ledger.total if self.ledger is not None else None, self.planned())

    def planned(self) -> int | None:
        """Jobs every worker's schedules mean to submit, once every worker has its users and
        each one given users has said (a worker given none submits nothing)."""
        nodes = list(self.runner.clients.all)
        if not self.spawned or len(nodes) < self.workers:
            return None
        plans = [0 if node.user_count == 0 else self._planned_by(str(node.id)) for node in nodes]
        return None if any(p is None for p in plans) else sum(p or 0 for p in plans)

    def _planned_by(self, worker: str) -> int | None:
        tally = self.gather.tallies.get(worker)
        return None if tally is None else tally.planned

    def stop_early(self, record: dict[str, Any]) -> None:
        """A gate is lost: keep why, grant no more permits, tell every worker to stop."""
        self.results.stopped = record
        self.halted = True
        _log.warning("stopping early: %s", record.get("explanation", ""))
        self.runner.send_message(STOP)  # each worker says done once drained: then we quit

    def finish(self) -> None:
        """Ask every worker for its final batch and wait for them; write off the dead."""
        if self._finished:
            return
        self._finished = True
        self.runner.send_message(FINISH)
        deadline = time.monotonic() + FINISH_WAIT
        while time.monotonic() < deadline and self._waiting_for():
            gevent.sleep(_LOOK)
        known = set(self.gather.tallies) | {str(c.id) for c in self.runner.clients.all}
        known |= set(self.ledger.granted) if self.ledger is not None else set()
        for worker in sorted(known):
            if not self.gather.finished(worker):
                granted = self.ledger.granted.get(worker) if self.ledger is not None else None
                tally = self.gather.write_off(worker, granted=granted)
                _log.warning(
                    "worker %s died mid-run: %d jobs reported, %d accepted and lost, "
                    "%d unaccounted", worker, tally.records, tally.lost, tally.unaccounted,
                )  # fmt: skip
        self._cancel_orphans()
        self.gather.close()
        self.gather.results.ended_at = time.time()

    def _cancel_orphans(self) -> None:
        """Dead workers' jobs nobody saw end: the master cancels them (a queued one would
        still run, at the user's cost) and books each outcome on its record."""
        dead = {w for w, tally in self.gather.tallies.items() if tally.state == "died"}
        orphans = [r for r in self.gather.results.records
                   if r.worker in dead and r.outcome == Bucket.LOST.value]  # fmt: skip
        host = self.runner.environment.host
        if orphans:
            cancel_orphans(host or "", orphans)
            _log.warning("cancels sent for %d jobs of dead workers", len(orphans))

    def _waiting_for(self) -> list[str]:
        """Workers still alive whose final batch has not arrived."""
        alive = {str(c.id) for c in self.runner.clients.all if c.state != STATE_MISSING}
        return [w for w in alive if not self.gather.finished(w)]


def drain(book: JobBook) -> None:
    """Stop a book's spending (queued jobs cancelled) and wait until no job is in flight; the
    run's own time limit still bounds the wait."""
    book.stop_spending()
    while not book.drained and not book.closed:
        gevent.sleep(DRAIN_LOOK)


def adopt_worker(environment: Environment) -> Worker | None:
    runner = environment.runner
    return Worker(runner) if isinstance(runner, WorkerRunner) else None
