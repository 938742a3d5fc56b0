"""`chronoedit-harness capacity`: measure the highest arrival rate whose p95 queue wait meets a
target. A probe, rates stepped and bisected, each step judged with a stated confidence, a
confirmation run; capped by --max-jobs and --time-budget. Ctrl-C cancels the jobs still
queued and writes what was measured (exit 130).

It drives the async reference client with an open-loop Poisson schedule (not Locust), against
the embedded emulator or --base-url (non-loopback needs --allow-remote and --max-jobs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from harness.cli.options import (
    add_defaulted,
    add_poll_interval,
    add_quantile,
    add_seed,
    add_target_options,
    embedded_options,
    writable_outputs,
)
from harness.errors import UsageError
from harness.urls import checked_base_url, is_loopback

__all__ = ["register", "run"]

EXIT_OK, EXIT_NOT_FOUND, EXIT_INTERRUPTED = 0, 1, 130
EMBEDDED_WORKERS, EMBEDDED_TIME_PER_STEP = 4, 0.02


def _seconds(text: str) -> float:
    from harness.load.run.settings import parse_duration

    value = parse_duration(text)
    if value <= 0:
        raise ValueError("must be > 0")
    return value


def register(sub: Any, *, name: str, help: str) -> None:
    p = sub.add_parser(name, help=help, description=__doc__)
    add_target_options(p, workers=EMBEDDED_WORKERS, time_per_step=EMBEDDED_TIME_PER_STEP)
    p.add_argument(
        "--target-wait",
        type=_seconds,
        required=True,
        metavar="DURATION",
        help="the p95 queue wait to meet, e.g. 500ms or 30s",
    )
    add_quantile(p)
    p.add_argument(
        "--max-jobs",
        type=int,
        default=None,
        help="jobs the whole search may submit (default: 1500; required remotely)",
    )
    add_defaulted(p, "--time-budget", 600.0, "wall-clock for the whole search", type=_seconds,
                  metavar="DURATION", after="s")  # fmt: skip
    add_defaulted(p, "--step-jobs", 120, "jobs per step", type=int)
    add_defaulted(p, "--probe-jobs", 16, "jobs submitted at once to probe", type=int)
    add_defaulted(p, "--confirm-jobs", 240, "jobs of the confirmation run", type=int)
    add_defaulted(p, "--tolerance", 0.05, "stop bisecting within this relative width",
                  type=float)  # fmt: skip
    add_poll_interval(p, help="fixed poll interval (default: 0.05 on the emulator, else 1)")
    add_defaulted(p, "--job-timeout", 600.0, "give up on a job after this long", type=_seconds,
                  metavar="DURATION", after="s")  # fmt: skip
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback host")
    add_seed(p)
    add_defaulted(p, "--report", Path("capacity-report.json"), "JSON report path", type=Path)
    p.add_argument(
        "--html",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the report as HTML here: the answer first, then every probe",
    )
    p.set_defaults(handler=run)  # fmt: skip


def _plan(args: argparse.Namespace) -> Any:
    from harness.load.run.capacity_search import SearchPlan

    if args.base_url is not None:
        url = checked_base_url(args.base_url)
        if not is_loopback(url) and not (args.allow_remote and args.max_jobs):
            raise UsageError(
                f"{url} is not loopback: capacity needs --allow-remote and --max-jobs N"
            )
    writable_outputs(("--report", args.report), ("--html", args.html))
    try:
        return SearchPlan(
            args.target_wait,
            args.quantile,
            args.max_jobs or 1500,
            args.time_budget,
            args.step_jobs,
            args.probe_jobs,
            args.confirm_jobs,
            args.tolerance,
            seed=args.seed,
        )
    except ValueError as exc:
        raise UsageError(f"capacity: {exc}") from None  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from harness.load.run.capacity_search import SearchState, run_search, search_report
    from harness.load.run.fleet_model import fleet_predictor
    from harness.load.run.open_loop import OpenLoop
    from harness.reports.capacity_console import print_summary
    from harness.target import open_target

    plan = _plan(args)
    state = SearchState(plan)
    embedded = args.base_url is None
    poll = args.poll_interval or (0.05 if embedded else 1.0)
    code = EXIT_OK
    with open_target(args.base_url, args.token, None, args.input_image_url,
                     embedded_options(args, seed=args.seed)) as target:  # fmt: skip
        assert target.token is not None
        body = {"image_url": target.input_image_url, "prompt": "Turn the socks into boots."}
        loop = OpenLoop(target.base_url, target.token, body, poll, args.job_timeout)
        print(f"capacity: searching {target.base_url} for the highest rate with "
              f"p{plan.q * 100:g} queue wait <= {plan.target:g}s (up to {plan.max_jobs} jobs, "
              f"{plan.time_budget:g}s)", file=sys.stderr)  # fmt: skip
        try:
            asyncio.run(run_search(state, loop, fleet_predictor))
        except KeyboardInterrupt:
            state.stopped, code = "interrupted (queued jobs cancelled)", EXIT_INTERRUPTED
        except RuntimeError as exc:
            state.stopped, code = f"failed: {exc}", EXIT_NOT_FOUND
    driver = "async reference client, open-loop Poisson arrivals, fixed polling"
    report = search_report(state, driver=driver)
    report["target"] = {"base_url": target.base_url, "embedded": embedded, "poll_interval": poll}
    report["cost"].update(accepted=loop.created, cancelled=loop.cancelled, left_open=len(loop.open))
    args.report.write_text(json.dumps(report, indent=1))
    if args.html is not None:
        from harness.reports.capacity_html import write_capacity_html

        write_capacity_html(report, args.html)
    print_summary(report)
    if code == EXIT_OK and report["answer"] is None:
        code = EXIT_NOT_FOUND
    return code
