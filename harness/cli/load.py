"""`chronoedit-harness load`: Locust scenarios in their own process, one JSON + HTML report.

Never imports Locust: the scenarios run in a subprocess (Locust monkey-patches with gevent).
Ctrl-C stops the run gracefully (queued jobs cancelled), still writes the report, exits 130.
Exit codes: 0 gates passed, 1 a gate failed, 3 a gate inconclusive (see --inconclusive), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from harness.cli.load_plan import (
    EMBEDDED_LOAD,
    EMBEDDED_TIME_PER_STEP,
    EMBEDDED_WORKERS,
    REMOTE_RATE,
    Plan,
    build_report,
)
from harness.cli.options import add_target_options, embedded_options
from harness.client.policies import parse_policy
from harness.errors import HarnessError, UsageError
from harness.urls import checked_base_url, is_loopback

__all__ = ["parse_duration", "register", "run"]

SCENARIOS = ("queue-latency", "polling", "cancel")
EXIT_INTERRUPTED = 130


def parse_duration(text: str) -> float:
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|h)?\s*", text)
    if not match:
        raise UsageError(f"bad duration {text!r}: use e.g. 500ms, 30s, 2m")
    scale = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[match[2] or "s"]
    return float(match[1]) * scale


def _rate(text: str) -> float:
    value = float(text.removesuffix("/s"))
    if value <= 0:
        raise ValueError("rate must be > 0")
    return value


def register(sub: Any, *, name: str, help: str) -> None:
    p = sub.add_parser(name, help=help, description=help)
    add_target_options(p, workers=EMBEDDED_WORKERS, time_per_step=EMBEDDED_TIME_PER_STEP)
    p.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="queue-latency")
    p.add_argument(
        "--rate",
        type=_rate,
        default=None,
        metavar="R/s",
        help="job arrivals per s (default: embedded, a share of the emulator's capacity per "
        f"scenario {EMBEDDED_LOAD}; else {REMOTE_RATE})",
    )
    p.add_argument(
        "--arrivals",
        choices=["poisson", "constant", "bursts"],
        default=None,
        help="default poisson (embedded cancel scenario: bursts, so cancels meet a queue)",
    )
    p.add_argument("--burst-size", type=int, default=6, help="jobs per burst (--arrivals bursts)")
    p.add_argument("--users", type=int, default=1, help="Locust users sharing the rate")
    p.add_argument("--duration", default="30s", help="how long to submit (e.g. 60s)")
    p.add_argument("--drain", default="30s", help="extra time for in-flight jobs to end")
    p.add_argument(
        "--poll-interval",
        type=float,
        default=None,
        metavar="S",
        help="fixed poll interval (default 0.1 on the emulator, else 1)",
    )
    p.add_argument(
        "--poll-policy",
        action="append",
        default=[],
        metavar="P",
        help="polling scenario: a policy to compare (repeatable)",
    )
    p.add_argument("--job-timeout", type=float, default=600.0, help="seconds before 'lost'")
    p.add_argument(
        "--target-wait",
        help="p95 queue wait the capacity model targets (default: 30s; embedded: 1s, "
        "since its jobs take under a second)",
    )
    p.add_argument("--report", default="load-report.json", help="JSON report path")
    p.add_argument("--html", default=None, help="HTML report path")
    p.add_argument("--csv", default=None, metavar="PREFIX", help="Locust CSV prefix")
    p.add_argument("--processes", type=int, default=0, help="Locust workers (0: one process)")
    p.add_argument(
        "--max-jobs",
        type=int,
        default=0,
        help="submit budget of the whole command, shared by its scenarios and repeats "
        "(required remotely); with --processes the "
        "workers share it",
    )
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback host")
    p.add_argument("--slo", action="append", default=[], help="gate, e.g. 'queue_wait.p95<30s'")
    p.add_argument("--confidence", type=float, default=0.99,
                   help="of a percentile gate's verdict (default 0.99)")  # fmt: skip
    p.add_argument("--inconclusive", choices=["pass", "fail"], default=None,
                   help="exit as this when a gate is inconclusive (default: exit 3)")  # fmt: skip
    p.add_argument("--warmup", default="0", metavar="30s|5jobs",
                   help="jobs kept out of figures and gates, reported apart")  # fmt: skip
    p.add_argument("--junit", default=None, metavar="FILE", help="SLO verdicts as JUnit XML")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeats", type=int, default=1, help="repeat runs (seed, seed+1, ...)")
    p.add_argument(
        "--emulator-in-process",
        action="store_true",
        help="embedded emulator in this process (default: its own process)",
    )
    p.set_defaults(handler=run)


def _policies(args: argparse.Namespace, interval: float) -> dict[str, str]:
    ladder = args.poll_policy or [
        f"fixed:{interval / 2:g}", f"fixed:{interval:g}", f"fixed:{interval * 2:g}",
        f"backoff:{interval / 2:g},1.5,{interval * 4:g}",
    ]  # fmt: skip
    for text in [*ladder, str(interval)]:
        try:
            parse_policy(text)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    return {"queue-latency": str(interval), "cancel": str(interval), "polling": ";".join(ladder)}


def _validate(args: argparse.Namespace) -> None:
    checks = (("--users", args.users), ("--repeats", args.repeats))
    for flag, value in (*checks, ("--burst-size", args.burst_size)):
        if value < 1:
            raise UsageError(f"{flag} must be >= 1")
    if args.max_jobs < 0 or args.processes < 0:
        raise UsageError("--max-jobs and --processes must be >= 0")
    if args.base_url is not None:
        url = checked_base_url(args.base_url)
        if not is_loopback(url) and not (args.allow_remote and args.max_jobs > 0):
            raise UsageError(f"{url} is not loopback: load needs --allow-remote and --max-jobs N")


def run(args: argparse.Namespace) -> int:
    from harness.load.measure.slo import parse_slo
    from harness.load.measure.warmup import parse_warmup

    _validate(args)
    try:
        slos = [parse_slo(s) for s in args.slo]
        warmup = parse_warmup(args.warmup)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not 0.5 < args.confidence < 1:
        raise UsageError("--confidence must be in (0.5, 1)")
    if args.junit:
        from harness.cli.options import writable_file

        writable_file(args.junit, "--junit")
    duration, drain = parse_duration(args.duration), parse_duration(args.drain)
    embedded = args.base_url is None
    target_wait = parse_duration(args.target_wait or ("1s" if embedded else "30s"))
    interval = args.poll_interval or (0.1 if embedded else 1.0)
    if interval <= 0:
        raise UsageError("--poll-interval must be > 0")
    policies = _policies(args, interval)
    scenarios = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    with ExitStack() as stack:
        base_url, token, image = _target(args, stack)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        plan = Plan(
            args, base_url=base_url, token=token, image=image, workdir=workdir,
            policies=policies, duration=duration, drain=drain, embedded=embedded,
        )  # fmt: skip
        print(plan.banner(scenarios), file=sys.stderr, flush=True)
        runs = plan.run_all(scenarios)
        try:  # the measuring stage: one line on failure, never a traceback
            report = build_report(
                runs, base_url=base_url, embedded=embedded, target_wait=target_wait,
                true_servers=plan.true_servers, warmup=warmup,
            )  # fmt: skip
            code = _finish(args, report, slos)
        except (HarnessError, KeyboardInterrupt):
            raise
        except Exception as exc:
            raise HarnessError(f"load: measuring failed: {type(exc).__name__}: {exc}") from None
    if report.get("interrupted"):
        print(
            f"interrupted: stopped early, queued jobs cancelled; report written to {args.report}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return code


def _target(args: argparse.Namespace, stack: ExitStack) -> tuple[str, str | None, str]:
    from harness.target import open_target

    if args.base_url is not None:  # open_target checks the URL and requires the token
        opened = open_target(args.base_url, args.token, None, args.input_image_url)
    else:
        from harness.model import DEFAULT_TOKENS, sample_url

        token_text = args.token or DEFAULT_TOKENS[0]
        if not args.emulator_in_process:
            from harness.load.run.runner import emulator_process

            url = stack.enter_context(emulator_process(
                workers=args.emulator_workers, time_per_step=args.emulator_time_per_step,
                seed=args.seed, tokens=token_text,
            ))  # fmt: skip
            return url, token_text, args.input_image_url or sample_url(url)
        opened = open_target(None, token_text, None, args.input_image_url, embedded_options(args))
    target = stack.enter_context(opened)
    assert target.token is not None
    return target.base_url, target.token.reveal(), target.input_image_url


def _finish(args: argparse.Namespace, report: dict[str, Any], slos: list[Any]) -> int:
    from harness.load.run.judging import exit_code, judge_report
    from harness.reports.load_console import print_summary

    results = judge_report(report, slos, args.confidence)
    Path(args.report).write_text(json.dumps(report, indent=1, default=str))
    if args.junit:
        from harness.reports.load_junit import write_load_junit

        write_load_junit(Path(args.junit), results, args.inconclusive or "skip")
    if args.html:
        from harness.reports.load_html import render_html

        Path(args.html).write_text(render_html(report))
    print_summary(report)
    for r in results:
        scope = "" if r.scope == "all" else f" [{r.scope}]"
        print(f"SLO {r.slo.text}{scope}: {r.verdict.value.upper()} ({r.explain()})")
    return exit_code(results, args.inconclusive)
