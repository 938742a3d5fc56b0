"""`chronoedit-harness conform`: run the check catalog against a server (or the emulator).

Everything that could stop the run later (option values, every output path) is checked before
the target is opened, so a bad flag never costs a job.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.cli.options import (
    add_job_timeout,
    add_max_jobs,
    add_poll_interval,
    add_request_timeout,
    add_target_options,
    bounds_of,
    embedded_options,
    non_negative_int,
    refuse_emulator_options_remotely,
    writable_dir,
    writable_file,
)
from harness.conform import ConformOptions, Handler, run_conformance
from harness.errors import UsageError
from harness.reports.conform_console import ConsoleReport
from harness.reports.conform_json import JsonReport
from harness.reports.conform_junit import JunitReport
from harness.target import open_target

__all__ = ["EMBEDDED_WORKERS", "Timing", "register", "run"]

EMBEDDED_WORKERS = 2  # a small pool, so the burst queues cheaply
CASES_FOLDER = "failing-cases"  # next to --report: replayable bodies of failing cases


@dataclass(frozen=True)
class Timing:
    """Defaults that differ between a real server and the embedded emulator (fast jobs)."""

    job_timeout: float
    poll_interval: float


REMOTE = Timing(job_timeout=300.0, poll_interval=1.0)
EMBEDDED = Timing(job_timeout=20.0, poll_interval=0.05)


def register(sub: Any, *, name: str, help: str) -> None:
    parser = sub.add_parser(name, help=help, description=help)
    add_target_options(parser, workers=EMBEDDED_WORKERS, second_token=True)
    run_ = parser.add_argument_group("run")
    add_max_jobs(
        run_,
        default=12,
        help="job budget (default: %(default)s); 0 sends nothing that could create a job: "
        "only the checks that need none run, the others are reported skipped",
    )
    run_.add_argument(
        "--examples",
        type=non_negative_int,
        default=20,
        metavar="N",
        help="Hypothesis examples per strategy (default: %(default)s)",
    )
    add_job_timeout(
        run_,
        help=f"seconds a job may take before it is reported lost (default: "
        f"{REMOTE.job_timeout:g}; embedded: {EMBEDDED.job_timeout:g})",
    )
    add_poll_interval(
        run_,
        help=f"status poll interval in seconds (default: {REMOTE.poll_interval:g}; "
        f"embedded: {EMBEDDED.poll_interval:g})",
    )
    run_.add_argument(
        "--seed", type=int, default=0, help="Hypothesis seed, replays cases (default: %(default)s)"
    )
    add_request_timeout(run_)
    run_.add_argument("--strict", action="store_true", help="SHOULD failures fail the run too")
    run_.add_argument("--only", action="append", default=[], metavar="CHECK", help="run a check")
    run_.add_argument(
        "--fail-on-skip",
        action="store_true",
        help="a MUST check that could not be exercised fails the run (for CI: no hollow pass)",
    )
    out = parser.add_argument_group("reports")
    out.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help=f"JSON report; failing cases are saved in {CASES_FOLDER}/ next to it",
    )
    out.add_argument("--junit", type=Path, metavar="FILE", help="JUnit XML report")
    out.add_argument("--quiet", action="store_true", help="only the final table")
    out.add_argument("--baseline", type=Path, metavar="FILE",
                     help="known findings: reported as known; only new ones fail")  # fmt: skip
    out.add_argument("--update-baseline", action="store_true",
                     help="write this run's failures to --baseline FILE")  # fmt: skip
    parser.set_defaults(handler=run)


def _options(args: argparse.Namespace) -> ConformOptions:
    """Every option checked, and every output path proved writable: before any job."""
    refuse_emulator_options_remotely(args)
    from harness.checks import CHECKS

    unknown = [c for c in args.only if c not in CHECKS]
    if unknown:
        raise UsageError(f"unknown check(s) {unknown}; known: {', '.join(CHECKS)}")
    cases_dir = None
    if args.report is not None:
        writable_file(args.report, "--report")
        cases_dir = writable_dir(args.report.parent / CASES_FOLDER, "--report's failing cases")
    if args.junit is not None:
        writable_file(args.junit, "--junit")
    timing = EMBEDDED if args.base_url is None else REMOTE
    return ConformOptions(
        max_jobs=args.max_jobs,
        examples=args.examples,
        job_timeout=args.job_timeout or timing.job_timeout,
        poll_interval=args.poll_interval or timing.poll_interval,
        seed=args.seed,
        strict=args.strict,
        cases_dir=cases_dir,
        only=tuple(args.only),
        fail_on_skip=args.fail_on_skip,
        bounds=bounds_of(args),
    )


def run(args: argparse.Namespace) -> int:
    from harness.conform.baseline import judge, load_baseline, write_baseline

    options = _options(args)
    if args.update_baseline and args.baseline is None:
        raise UsageError("--update-baseline needs --baseline FILE")
    if args.update_baseline:  # fail before spending
        writable_file(args.baseline, "--baseline")
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
