"""Locust's event hooks for a load run: job-level figures into Locust's stats (request_type
"JOB"), the process's job book, and the run's end.

Single process: the book's records are the results, written at quit. Distributed (`--processes
N`, or `--master` with workers on other machines): workers send their records to the master
over Locust's messages and take submit permits from it (`swarm.distributed`); the master
writes the results. Nothing is shared on disk.

With `--stop-on-lost-slo` whoever holds the run's records (the single process, or the master)
watches them (`swarm.stopping`); once a gate can no longer pass, the spending stops (workers are
told), queued jobs are cancelled, running ones end, and the run quits as when every job is done,
the reason in the results.

With `--quit-when-done` a worker tells its master "done" (a custom Locust message) once every
user it was given has spent its arrival schedule and its book is idle (a worker given no user
is done at once); when every worker has said so the master quits, as `--run-time` would.

Importing this module registers the listeners on Locust's global event hooks, as a
locustfile would; it imports locust and must only be imported inside a Locust process.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from harness.load.measure.histograms import unit_of
from harness.load.measure.jobs import JobRecord
from harness.load.measure.metrics import metrics_of
from harness.load.measure.results import RunResults
from harness.load.run.runner import STARTED, WORKER_JOINED
from harness.load.swarm.book import JobBook
from harness.load.swarm.distributed import Master, Worker, drain
from harness.load.swarm.locust_options import add_options, settings_of
from harness.load.swarm.stopping import SloWatch

__all__ = ["book_for", "fire_job_metrics"]

_log = logging.getLogger("harness.load")
_DONE = "chronoedit_harness_done"  # worker -> master: submit window over, every job ended
_DONE_CHECK = 0.2  # seconds between a worker's looks at its book


class _State:
    """The process's one book, and its side of a distributed run."""

    book: JobBook | None = None
    master: Master | None = None
    worker: Worker | None = None
    done_workers: set[str] = set()  # master: workers that reported done
    quitting = False  # master: every worker is done and the quit has begun
    spawned = False  # worker: the master's whole ramp-up is over (users may come in steps)


def fire_job_metrics(environment: Environment, rec: JobRecord) -> None:
    """One Locust 'request' per job-level metric: durations in ms, counts as plain numbers."""
    size = rec.bytes_sent + rec.bytes_received
    request: Any = environment.events.request  # Locust's EventHook.fire is untyped
    for metric, value in metrics_of(rec):
        shown = value * 1000 if unit_of(metric) == "s" else value
        name = metric if unit_of(metric) == "s" else f"{metric} (count)"
        request.fire(
            request_type="JOB",
            name=name,
            response_time=shown,
            response_length=size if metric == "end_to_end" else 0,
            exception=None,
            context={"outcome": rec.outcome, "policy": rec.policy},
        )
    request.fire(
        request_type="OUTCOME",
        name=rec.outcome,
        response_time=0,
        response_length=0,
        exception=None if rec.outcome in ("completed", "cancelled") else Exception(rec.outcome),
        context={},
    )


def book_for(environment: Environment, scenario: str, *, by_policy: bool = False) -> JobBook:
    if _State.book is None:
        opts: Any = environment.parsed_options
        results = RunResults(
            scenario, started_at=time.time(), settings=settings_of(opts).to_dict(), submits_sent=0
        )
        worker = _State.worker
        settings = settings_of(opts)
        local_budget = settings.max_jobs if settings.max_jobs > 0 and worker is None else None
        book = JobBook(results, budget=local_budget, by_policy=by_policy)
        book.listeners.append(lambda rec: fire_job_metrics(environment, rec))
        if worker is not None:  # the master holds the budget and gets the records
            workers = int(getattr(opts, "expect_workers", 1) or 1)
            rate = settings.rate or 0.0
            worker.adopt(book, max_jobs=settings.max_jobs, rate=rate, workers=workers)
            worker.planned = lambda: _planned(environment.runner)
        _State.book = book
    return _State.book


def _on_parser(parser: Any, **_kw: Any) -> None:
    add_options(parser)


def _on_start(environment: Environment, **_kw: Any) -> None:
    runner = environment.runner
    if not isinstance(runner, WorkerRunner):
        print(STARTED, file=sys.stderr, flush=True)  # the runner's clock starts here
    opts: Any = environment.parsed_options
    if isinstance(runner, WorkerRunner) and opts is not None and opts.quit_when_done:
        gevent.spawn(_watch_until_done, runner)
    if not isinstance(runner, WorkerRunner) and opts is not None:
        watch = SloWatch(settings_of(opts))
        if watch.enabled:
            gevent.spawn(_watch_slos, runner, watch)


def _planned(runner: Any) -> int | None:
    """Jobs this process's arrival schedules mean to submit, once every user's has begun."""
    book = _State.book
    if book is None or not _State.spawned or book.plans < (runner.target_user_count or 0):
        return None
    return book.planned


def _watch_slos(runner: Any, watch: SloWatch) -> None:
    """--stop-on-lost-slo: the master decides on its workers' records; one process on its own."""
    master = _State.master
    if master is not None:
        watch.watch(lambda: master.results, master.caps, lambda: master.finishing,
                    master.stop_early)  # fmt: skip
        return

    def results() -> RunResults | None:
        return None if _State.book is None else _State.book.results

    def caps() -> tuple[int | None, int | None]:
        return (None if _State.book is None else _State.book.budget, _planned(runner))

    def stop(record: dict[str, Any]) -> None:
        book = _State.book
        assert book is not None  # a gate is judged on its records
        book.results.stopped = record
        _log.warning("stopping early: %s", record.get("explanation", ""))
        drain(book)
        gevent.spawn(runner.quit)  # not from the runner's own greenlets: quit kills them

    watch.watch(results, caps, lambda: _State.book is not None and _State.book.closed, stop)


def _worker_done(runner: WorkerRunner) -> bool:
    """Every user this worker was given has spent its schedule, and every job has ended."""
    if not _State.spawned or runner.worker_state != "running":  # users may still come
        return False
    book = _State.book
    spent = book.schedules_ended if book is not None else 0
    return spent >= (runner.target_user_count or 0) and (book is None or book.idle)


def _watch_until_done(runner: WorkerRunner) -> None:
    while True:
        gevent.sleep(_DONE_CHECK)
        if _State.book is not None and _State.book.closed:
            return  # the run is already ending
        if _worker_done(runner):
            _log.info("worker done: schedule spent, every job ended")
            runner.send_message(_DONE)
            return


def _on_spawned(**_kw: Any) -> None:
    _State.spawned = True
    if _State.master is not None:
        _State.master.spawned = True


def _on_done(environment: Environment, msg: Any, **_kw: Any) -> None:
    """Master: quit (as --run-time would) once every worker has reported done."""
    runner = environment.runner
    if not isinstance(runner, MasterRunner) or _State.quitting:
        return
    _State.done_workers.add(str(msg.node_id))
    opts: Any = environment.parsed_options
    expected = max(1, int(getattr(opts, "expect_workers", 1) or 1))
    workers = {str(c.id) for c in runner.clients.all}
    if len(_State.done_workers) >= expected and workers <= _State.done_workers:
        _State.quitting = True
        _log.info("every worker is done: quitting before the run time")
        gevent.spawn(runner.quit)  # not from the runner's own greenlets: quit kills them


def _on_stopping(environment: Environment, **_kw: Any) -> None:
    """The run's end, before Locust tells any worker to quit: a master gathers every worker's
    final batch (each closes its book first); a worker closes its own and sends it (if the
    master did not ask already); a single process closes its book."""
    if _State.master is not None:
        _State.master.finish()
    elif _State.worker is not None:
        _State.worker.finish()
    elif _State.book is not None:
        _State.book.close()


def _on_quit(exit_code: int, **_kw: Any) -> None:
    if _State.worker is not None:
        return  # its records went to the master
    if _State.book is not None:
        # Locust can reach `quit` while another greenlet is still closing the book (cancelling
        # queued jobs): a second `stop` returns at once, the runner's greenlets die and the
        # main greenlet shuts down. close() waits for the book to be final; writing now would
        # drop every job whose cleanup was still in flight.
        _State.book.close()
    if _State.master is not None:
        _State.master.finish()  # a master that never started a test still writes its results
    results = _State.master.results if _State.master is not None else None
    if _State.book is not None:
        results = _State.book.results
    path = _results_path()
    if results is None or not path:
        return
    results.ended_at = results.ended_at or time.time()
    results.write(Path(path))
    _log.info("wrote %d job records to %s", len(results.records), path)


_RESULTS_PATH: list[str] = []


def _on_init(environment: Environment, **_kw: Any) -> None:
    # gevent's loop caches "now"; imports that take seconds (a loaded machine) leave it stale,
    # and Locust's --run-time timer, armed next, would then fire that many seconds early.
    gevent.get_hub().loop.update_now()
    opts: Any = environment.parsed_options
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        runner.register_message(_DONE, _on_done)
        budget = settings_of(opts).max_jobs if opts is not None else 0
        workers = int(getattr(opts, "expect_workers", 1) or 1)
        _State.master = Master(runner, max_jobs=budget, workers=workers)
    if opts is not None and not isinstance(runner, WorkerRunner):
        _RESULTS_PATH[:] = [opts.harness_results]
    if isinstance(runner, WorkerRunner):
        _State.worker = Worker(runner)
        _State.worker.done = lambda: runner.send_message(_DONE)
        print(WORKER_JOINED, file=sys.stderr, flush=True)  # `load --worker` reads this
        # The master tells workers when to stop; a stray SIGINT (Locust's master nudges its
        # children after 3 s) must not interrupt a worker while it cancels queued jobs.
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _results_path() -> str:
    return _RESULTS_PATH[0] if _RESULTS_PATH else ""


_HOOKS: tuple[tuple[Any, Any], ...] = (
    (events.init_command_line_parser, _on_parser),
    (events.test_start, _on_start),
    (events.spawning_complete, _on_spawned),
    (events.test_stopping, _on_stopping),
    (events.quit, _on_quit),
    (events.init, _on_init),
)
for _hook, _listener in _HOOKS:
    _hook.add_listener(_listener)
