"""Job-level figures into Locust's stats (request_type "JOB"), and HDR histograms and job
records from workers to the master via report_to_master / worker_report.

In a distributed run (`--processes N`) every worker also writes its own job records next to
the master's results file (`<results>.w<pid>.json`) once its jobs are closed, and the caller
merges them: the master's 0.5 s wait for final reports can lose nothing. The master's own file
then holds no records (they would be counted twice).

With `--quit-when-done` a worker tells its master "done" (a custom Locust message) once every
user it was given has spent its arrival schedule and its book is idle (a worker given no user
is done at once); when every worker has said so the master quits, as `--run-time` would, only
sooner: workers close their books and write their files, and the master's exit waits for them.

Importing this module registers the listeners on Locust's global event hooks, as a
locustfile would; it imports locust and must only be imported inside a Locust process.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

import gevent
from locust import events
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner

from harness.load.measure.histograms import MetricHistograms, unit_of
from harness.load.measure.jobs import JobRecord
from harness.load.measure.metrics import metrics_of
from harness.load.measure.results import RunResults, histogram_keys
from harness.load.swarm.book import JobBook
from harness.load.swarm.budget import SharedBudget
from harness.load.swarm.locust_options import add_options

__all__ = ["book_for", "fire_job_metrics", "worker_results_path"]

_log = logging.getLogger("harness.load")
_PAYLOAD = "chronoedit_harness"
_DONE = "chronoedit_harness_done"  # worker -> master: submit window over, every job ended
_DONE_CHECK = 0.2  # seconds between a worker's looks at its book


class _State:
    """The process's one book, plus the delta a worker has not yet sent to its master."""

    book: JobBook | None = None
    delta_records: list[dict[str, Any]] = []
    delta_hists = MetricHistograms()
    master_results: RunResults | None = None
    worker_files = False
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


def worker_results_path(results: str, pid: int) -> Path:
    path = Path(results)
    return path.with_name(f"{path.stem}.w{pid}{path.suffix}")


def _budget(environment: Environment, total: int) -> int | None:
    """This process's own cap; with a shared budget file none (the file caps the run)."""
    opts: Any = environment.parsed_options
    if total <= 0 or opts.harness_budget_file:
        return None
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        workers = max(1, int(getattr(environment.parsed_options, "expect_workers", 1) or 1))
        index = max(0, runner.worker_index)
        return total // workers + (1 if index < total % workers else 0)
    return total


def book_for(environment: Environment, scenario: str, *, by_policy: bool = False) -> JobBook:
    if _State.book is None:
        opts: Any = environment.parsed_options
        results = RunResults(
            scenario, started_at=time.time(), settings=_settings(opts), submits_sent=0
        )
        budget_file = str(opts.harness_budget_file or "")
        shared = None
        if budget_file and opts.max_jobs > 0:
            shared = SharedBudget(Path(budget_file), opts.max_jobs)
        book = JobBook(
            results,
            budget=_budget(environment, opts.max_jobs),
            by_policy=by_policy,
            shared=shared,
        )

        def on_record(rec: JobRecord) -> None:
            fire_job_metrics(environment, rec)
            # A worker relays its records in its reports, unless it writes its own file.
            if isinstance(environment.runner, WorkerRunner) and not _State.worker_files:
                _State.delta_records.append(rec.to_dict())
                for metric, value in metrics_of(rec):
                    for key in histogram_keys(metric, rec.policy, by_policy):
                        _State.delta_hists.record(key, value)

        book.listeners.append(on_record)
        _State.book = book
    return _State.book


def _settings(opts: Any) -> dict[str, Any]:
    keys = (
        "job_rate",
        "arrivals",
        "submit_for",
        "job_timeout",
        "poll_policies",
        "cancel_moments",
        "max_jobs",
        "harness_seed",
        "num_users",
        "run_time",
    )
    return {k: getattr(opts, k, None) for k in keys}


def _on_parser(parser: Any, **_kw: Any) -> None:
    add_options(parser)


def _on_start(environment: Environment, **_kw: Any) -> None:
    runner = environment.runner
    if isinstance(runner, MasterRunner):
        _State.master_results = RunResults("", started_at=time.time())
    opts: Any = environment.parsed_options
    if isinstance(runner, WorkerRunner) and opts is not None and opts.quit_when_done:
        gevent.spawn(_watch_until_done, runner)


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
    # Before a worker's final stats report: abandoned jobs must be in it.
    if _State.book is not None:
        _State.book.close()
        opts: Any = environment.parsed_options
        if isinstance(environment.runner, WorkerRunner) and opts.harness_results:
            path = worker_results_path(opts.harness_results, os.getpid())
            _State.book.results.write(path)
            _log.info("worker wrote %d job records to %s", len(_State.book.results.records), path)


def _on_report(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
    data[_PAYLOAD] = {
        "records": _State.delta_records,
        "hists": _State.delta_hists.encode(),
        "scenario": _State.book.results.scenario if _State.book else "",
        "settings": _State.book.results.settings if _State.book else {},
    }
    _State.delta_records = []
    _State.delta_hists.clear()


def _on_worker_report(client_id: str, data: dict[str, Any], **_kw: Any) -> None:
    payload = data.get(_PAYLOAD)
    if not payload:
        return
    results = _State.master_results = _State.master_results or RunResults("")
    results.scenario = results.scenario or payload["scenario"]
    results.settings = results.settings or payload["settings"]
    results.records.extend(JobRecord.from_dict(r) for r in payload["records"])
    results.histograms.merge_encoded(payload["hists"])


def _on_quit(exit_code: int, **_kw: Any) -> None:
    if _State.book is not None:
        # Locust can reach `quit` while another greenlet is still closing the book (cancelling
        # queued jobs): a second `stop` returns at once, the runner's greenlets die and the
        # main greenlet shuts down. close() waits for the book to be final; writing now would
        # drop every job whose cleanup was still in flight.
        _State.book.close()
    results = _State.master_results if _State.book is None else _State.book.results
    path = _results_path()
    if results is None or not path:
        return
    results.ended_at = results.ended_at or time.time()
    results.write(Path(path))
    _log.info("wrote %d job records to %s", len(results.records), path)


_RESULTS_PATH: list[str] = []


def _on_init(environment: Environment, **_kw: Any) -> None:
    opts: Any = environment.parsed_options
    if isinstance(environment.runner, MasterRunner):
        environment.runner.register_message(_DONE, _on_done)
    if opts is not None and not isinstance(environment.runner, WorkerRunner):
        _RESULTS_PATH[:] = [opts.harness_results]
    if opts is not None and isinstance(environment.runner, WorkerRunner):
        # Workers write their own records file; the master relays nothing (no double count).
        _State.worker_files = bool(opts.harness_results)
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
    (events.report_to_master, _on_report),
    (events.worker_report, _on_worker_report),
    (events.quit, _on_quit),
    (events.init, _on_init),
)
for _hook, _listener in _HOOKS:
    _hook.add_listener(_listener)
