"""`chronoedit-harness conform`: run the check catalog against a server (or the emulator)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from harness.cli.options import add_target_options, embedded_options
from harness.conform import ConformOptions, Handler, run_conformance
from harness.errors import UsageError
from harness.reports.conform_console import ConsoleReport
from harness.reports.conform_json import JsonReport
from harness.reports.conform_junit import JunitReport
from harness.target import open_target

__all__ = ["register", "run"]


def register(sub: Any, *, name: str, help: str) -> None:
    parser = sub.add_parser(name, help=help, description=help)
    add_target_options(parser)
    parser.set_defaults(emulator_workers=2)  # a small pool, so the burst queues cheaply
    run_ = parser.add_argument_group("run")
    run_.add_argument("--max-jobs", type=int, default=12, metavar="N", help="job budget (12)")
    run_.add_argument(
        "--examples", type=int, default=20, metavar="N", help="Hypothesis examples per strategy"
    )
    run_.add_argument(
        "--job-timeout",
        type=float,
        metavar="S",
        help="seconds a job may take before it is reported lost (300; embedded: 20)",
    )
    run_.add_argument(
        "--poll-interval", type=float, metavar="S", help="status poll interval (1; embedded: 0.05)"
    )
    run_.add_argument("--seed", type=int, default=0, help="Hypothesis seed (replays the cases)")
    run_.add_argument("--strict", action="store_true", help="SHOULD failures fail the run too")
    run_.add_argument("--only", action="append", default=[], metavar="CHECK", help="run a check")
    run_.add_argument(
        "--fail-on-skip",
        action="store_true",
        help="a MUST check that could not be exercised fails the run (for CI: no hollow pass)",
    )
    out = parser.add_argument_group("reports")
    out.add_argument("--report", type=Path, metavar="FILE", help="JSON report")
    out.add_argument("--junit", type=Path, metavar="FILE", help="JUnit XML report")
    out.add_argument("--quiet", action="store_true", help="only the final table")
    out.add_argument("--baseline", type=Path, metavar="FILE",
                     help="known findings: reported as known; only new ones fail")  # fmt: skip
    out.add_argument("--update-baseline", action="store_true",
                     help="write this run's failures to --baseline FILE")  # fmt: skip
    parser.set_defaults(handler=run)


def _options(args: argparse.Namespace, embedded: bool) -> ConformOptions:
    if args.max_jobs < 0 or args.examples < 0:
        raise UsageError("--max-jobs and --examples must be >= 0")
    timeout = args.job_timeout if args.job_timeout is not None else (20.0 if embedded else 300.0)
    poll = args.poll_interval if args.poll_interval is not None else (0.05 if embedded else 1.0)
    if timeout <= 0 or poll <= 0:
        raise UsageError("--job-timeout and --poll-interval must be > 0")
    from harness.checks import CHECKS

    unknown = [c for c in args.only if c not in CHECKS]
    if unknown:
        raise UsageError(f"unknown check(s) {unknown}; known: {', '.join(CHECKS)}")
    cases_dir = args.report.parent / "failing-cases" if args.report else None
    return ConformOptions(
        max_jobs=args.max_jobs,
        examples=args.examples,
        job_timeout=timeout,
        poll_interval=poll,
        seed=args.seed,
        strict=args.strict,
        cases_dir=cases_dir,
        only=tuple(args.only),
        fail_on_skip=args.fail_on_skip,
    )


def run(args: argparse.Namespace) -> int:
    from harness.conform.baseline import judge, load_baseline, write_baseline

    if args.update_baseline and args.baseline is None:
        raise UsageError("--update-baseline needs --baseline FILE")
    if args.update_baseline and not args.baseline.parent.is_dir():  # fail before spending
        raise UsageError(f"--baseline: no directory {args.baseline.parent}")
    known = None if args.baseline is None or args.update_baseline else load_baseline(args.baseline)
    handlers: list[Handler] = [ConsoleReport(quiet=args.quiet)]
    if args.report:
        handlers.append(JsonReport(args.report))
    if args.junit:
        handlers.append(JunitReport(args.junit))
    with open_target(
        args.base_url,
        args.token,
        args.second_token,
        args.input_image_url,
        embedded_options(args, seed=args.seed),
    ) as target:
        options = _options(args, target.embedded)
        result = run_conformance(target, options, handlers=handlers)
    if args.update_baseline:
        written = write_baseline(args.baseline, result.findings)
        print(f"baseline: {len(written.entries)} finding(s) written to {args.baseline}",
              file=sys.stderr)  # fmt: skip
        return 130 if result.interrupted else 0  # the findings are now the accepted ones
    if known is None:
        return result.exit_code
    judged = judge(result, known)
    print("\n".join(judged.lines()), file=sys.stderr)
    return judged.exit_code
