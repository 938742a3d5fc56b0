"""`chronoedit-harness simulate`: a GPU fleet on a virtual clock, from parameters or from a
load report's measured jobs. "What p95 queue wait at rate R with N GPUs?" (`--workers`) or
"how many GPUs keep p95 queue wait under X at rate R?" (`--target-wait`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

from harness.cli.options import add_defaulted, add_quantile, add_seed, writable_outputs
from harness.errors import UsageError

__all__ = ["register", "run"]

EXIT_OK, EXIT_NOT_MET = 0, 1


def _positive(text: str) -> float:
    value = float(text.removesuffix("/s").removesuffix("s"))
    if not value > 0 or not math.isfinite(value):
        raise ValueError("must be > 0")
    return value


def register(sub: Any, *, name: str, help: str) -> None:
    p = sub.add_parser(name, help=help, description=__doc__)
    ask = p.add_argument_group("the question")
    ask.add_argument(
        "--rate",
        type=_positive,
        metavar="R/s",
        help="mean arrivals per second (required unless --from-report)",
    )
    ask.add_argument("--workers", type=int, default=None, help="GPUs in the fleet")
    ask.add_argument(
        "--target-wait",
        type=_positive,
        metavar="S",
        help="find the fewest GPUs whose p95 queue wait is at most S seconds",
    )
    add_quantile(ask, "0.95 is p95")
    add_defaulted(ask, "--max-workers", 10_000, "search limit", type=int)
    law = p.add_argument_group("service times (or --from-report)")
    add_defaulted(law, "--mean-service", 10.0, "mean seconds per job", type=_positive,
                  metavar="S")  # fmt: skip
    add_defaulted(law, "--service-cv", 0.1, "coefficient of variation", type=float)
    add_defaulted(law, "--service-family", "lognormal", choices=["lognormal", "gamma"])
    law.add_argument(
        "--from-report",
        type=Path,
        metavar="LOAD.json",
        help="resample a load report's measured run times; without --rate, replay its submit times",
    )
    law.add_argument("--scenario", help="the report's scenario to learn from (default: all)")
    arr = p.add_argument_group("arrivals")
    arr.add_argument(
        "--arrivals",
        choices=["poisson", "constant", "bursts", "diurnal", "replay"],
        default=None,
        help="poisson (default; replay with --from-report)",
    )
    add_defaulted(arr, "--burst-size", 6, "bursts: jobs arriving together", type=int)
    add_defaulted(arr, "--amplitude", 0.5, "diurnal swing", type=float)
    add_defaulted(arr, "--period", 86_400.0, "diurnal period, s", type=_positive)
    fleet = p.add_argument_group("fleet behaviour")
    add_defaulted(fleet, "--cold-start", 0.0, "extra seconds on a GPU's first job", type=float,
                  metavar="S")  # fmt: skip
    add_defaulted(fleet, "--keep-warm", math.inf, "idle seconds after which a GPU is cold again",
                  type=float, metavar="S", after=", never")  # fmt: skip
    add_defaulted(fleet, "--failure-rate", 0.0, "chance a job fails part-way", type=float)
    add_defaulted(p, "--jobs", 100_000, "jobs to simulate", type=int)
    add_seed(p)
    p.add_argument("--report", type=Path, default=None, help="write the JSON report here")
    p.add_argument(
        "--load-report",
        type=Path,
        default=None,
        metavar="PATH",
        help="also write the run as a load report (the live run's JSON model)",
    )
    p.add_argument(
        "--html",
        type=Path,
        default=None,
        help="also write the live run's HTML report of the simulated jobs",
    )
    add_defaulted(p, "--report-jobs", 5000, "jobs shown in --load-report/--html", type=int)
    p.set_defaults(handler=run)  # fmt: skip


def _question(args: argparse.Namespace) -> Any:
    from harness.load.run.simulation import Question, measured_jobs
    from harness.model.fleet import Arrivals, Fleet, ServiceLaw

    if (args.workers is None) == (args.target_wait is None):
        raise UsageError("simulate: give exactly one of --workers N or --target-wait S")
    if not 0 < args.quantile < 1:
        raise UsageError("--quantile must be between 0 and 1")
    if not 1 <= args.jobs <= 50_000_000:
        raise UsageError("--jobs must be between 1 and 50000000")
    process = args.arrivals or ("replay" if args.from_report and not args.rate else "poisson")
    if process != "replay" and args.rate is None:
        raise UsageError("--rate is required (or --from-report to replay its submit times)")
    if process == "replay" and not args.from_report:
        raise UsageError("--arrivals replay needs --from-report")
    submits: list[float] = []
    try:
        if args.from_report:
            services, submits = measured_jobs(args.from_report, args.scenario)
            law = ServiceLaw.measured(services)
        else:
            law = ServiceLaw(args.mean_service, args.service_cv, args.service_family)
        rate = args.rate or 0.0
        arrivals = Arrivals(process, rate, args.burst_size, args.amplitude, args.period,
                            tuple(submits) if process == "replay" else ())  # fmt: skip
        workers = args.workers if args.workers is not None else 1
        fleet = Fleet(workers, args.cold_start, args.keep_warm, args.failure_rate)
    except ValueError as exc:
        raise UsageError(f"simulate: {exc}") from None
    if not 1 <= args.max_workers <= 100_000:
        raise UsageError("--max-workers must be between 1 and 100000")
    return Question(fleet, law, arrivals, args.jobs, args.seed, args.quantile,
                    args.target_wait, args.max_workers)  # fmt: skip


def _say(report: dict[str, Any]) -> None:
    q = report["question"]
    ans, waits, formula = report["answer"], report["waits"], report["formula"]
    pct = f"p{q['quantile'] * 100:g}"
    rate = q["arrivals"]["mean_rate"]
    if q["target_wait"] is not None:
        if ans["target_met"]:
            print(f"simulate: {ans['workers']} GPUs keep {pct} queue wait <= "
                  f"{q['target_wait']:g}s at {rate:.4g} jobs/s")  # fmt: skip
        else:
            print(f"simulate: not even {q['max_workers']} GPUs keep {pct} queue wait <= "
                  f"{q['target_wait']:g}s at {rate:.4g} jobs/s")  # fmt: skip
    print(f"simulate: {ans['workers']} GPUs at {rate:.4g} jobs/s: {pct} queue wait "
          f"{waits['p95']:.4g}s (95% CI {waits['p95_low']:.4g}-{waits['p95_high']:.4g}s), "
          f"mean {waits['mean']:.4g}s, {waits['waited']:.1%} waited; {q['jobs']} jobs")  # fmt: skip
    shown = "unbounded" if formula["wait_quantile"] is None else f"{formula['wait_quantile']:.4g}s"
    err, off = formula["relative_error"], formula["absolute_error"]
    if off is None:
        dist = ""
    elif err is None:
        dist = f" ({off:+.3g}s from the simulation)"
    else:
        dist = f" ({off:+.3g}s, {err:+.0%} from the simulation)"
    print(f"simulate: M/G/c formula says {shown}{dist}"
          + (f"; formula's GPU count: {formula['workers_for_target']}"
             if q["target_wait"] is not None else ""))  # fmt: skip


def run(args: argparse.Namespace) -> int:
    question = _question(args)
    writable_outputs(("--report", args.report), ("--load-report", args.load_report),
                     ("--html", args.html))  # fmt: skip
    if args.report_jobs < 1:
        raise UsageError("--report-jobs must be >= 1")
    from harness.load.run.simulation import simulation_report

    report = simulation_report(question)
    if args.load_report is not None or args.html is not None:
        _write_load_report(args, question, report)
    if args.report is not None:
        args.report.write_text(json.dumps(report, indent=1))
        print(f"simulate: report written to {args.report}", file=sys.stderr)
    _say(report)
    met = report["answer"].get("target_met", True)
    return EXIT_OK if met else EXIT_NOT_MET


def _write_load_report(args: argparse.Namespace, question: Any, report: dict[str, Any]) -> None:
    from harness.load.run.simulated_report import as_load_report
    from harness.model.fleet import simulate
    from harness.reports.load_html import write_html
    from harness.reports.load_json import write_json

    fleet = question.fleet.with_workers(report["answer"]["workers"])
    run = simulate(fleet, question.law, question.arrivals, question.jobs, question.seed)
    target = question.target_wait if question.target_wait is not None else report["waits"]["p95"]
    settings = {"simulate": report["question"]}
    load = as_load_report(run, target_wait=target or 1.0, settings=settings,
                          limit=args.report_jobs)  # fmt: skip
    if args.load_report is not None:
        write_json(load, args.load_report)
    if args.html is not None:
        write_html(load, args.html)
