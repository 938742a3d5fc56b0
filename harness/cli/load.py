"""`chronoedit-harness load`: Locust scenarios in their own process, one JSON + HTML report.

Never imports Locust: the scenarios run in a subprocess (Locust monkey-patches with gevent).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from harness.cli.options import add_target_options, embedded_options
from harness.client.policies import parse_policy
from harness.errors import UsageError
from harness.secrets import Token
from harness.urls import checked_base_url, is_loopback

__all__ = ["parse_duration", "register", "run"]

SCENARIOS = ("queue-latency", "polling", "cancel")


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
    add_target_options(p)
    p.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="queue-latency")
    p.add_argument("--rate", type=_rate, default=2.0, metavar="R/s", help="job arrivals per s")
    p.add_argument("--arrivals", choices=["poisson", "constant"], default="poisson")
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
    p.add_argument("--target-wait", default="30s", help="p95 queue wait the capacity model targets")
    p.add_argument("--report", default="load-report.json", help="JSON report path")
    p.add_argument("--html", default=None, help="HTML report path")
    p.add_argument("--csv", default=None, metavar="PREFIX", help="Locust CSV prefix")
    p.add_argument("--processes", type=int, default=0, help="Locust workers (0: one process)")
    p.add_argument("--max-jobs", type=int, default=0, help="submit budget (required remotely)")
    p.add_argument("--allow-remote", action="store_true", help="allow a non-loopback host")
    p.add_argument("--slo", action="append", default=[], help="gate, e.g. 'queue_wait.p95<30s'")
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
    for flag, value in (("--users", args.users), ("--repeats", args.repeats)):
        if value < 1:
            raise UsageError(f"{flag} must be >= 1")
    if args.max_jobs < 0 or args.processes < 0:
        raise UsageError("--max-jobs and --processes must be >= 0")
    if args.base_url is not None:
        url = checked_base_url(args.base_url)
        if not is_loopback(url) and not (args.allow_remote and args.max_jobs > 0):
            raise UsageError(f"{url} is not loopback: load needs --allow-remote and --max-jobs N")


def run(args: argparse.Namespace) -> int:
    from harness.load.slo import parse_slo

    _validate(args)
    try:
        slos = [parse_slo(s) for s in args.slo]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    duration, drain = parse_duration(args.duration), parse_duration(args.drain)
    target_wait = parse_duration(args.target_wait)
    embedded = args.base_url is None
    interval = args.poll_interval or (0.1 if embedded else 1.0)
    if interval <= 0:
        raise UsageError("--poll-interval must be > 0")
    policies = _policies(args, interval)
    scenarios = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    with ExitStack() as stack:
        base_url, token, image = _target(args, stack)
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        report = _measure(
            args, base_url=base_url, token=token, image=image, workdir=workdir,
            scenarios=scenarios, policies=policies, duration=duration, drain=drain,
            target_wait=target_wait, embedded=embedded,
        )  # fmt: skip
    return _finish(args, report, slos)


def _target(args: argparse.Namespace, stack: ExitStack) -> tuple[str, str | None, str]:
    if args.base_url is not None:
        token = Token.from_env_or(args.token)
        if token is None:
            raise UsageError("no token: pass --token or set RUNCOMFY_API_TOKEN")
        from harness.target import default_public_image_url

        url = checked_base_url(args.base_url)
        return url, token.reveal(), args.input_image_url or default_public_image_url()
    token_text = args.token or "emulator-token-1"
    if args.emulator_in_process:
        from harness.target import open_target

        target = stack.enter_context(
            open_target(None, token_text, None, args.input_image_url, embedded_options(args))
        )
        assert target.token is not None
        return target.base_url, target.token.reveal(), target.input_image_url
    from harness.load.runner import emulator_process

    url = stack.enter_context(emulator_process(
        workers=args.emulator_workers, time_per_step=args.emulator_time_per_step,
        seed=args.seed, tokens=token_text,
    ))  # fmt: skip
    return url, token_text, args.input_image_url or f"{url}/samples/landscape-16x9.jpg"


def _measure(
    args: argparse.Namespace, *, base_url: str, token: str | None, image: str, workdir: Path,
    scenarios: list[str], policies: dict[str, str], duration: float, drain: float,
    target_wait: float, embedded: bool,
) -> dict[str, Any]:  # fmt: skip
    import httpx

    from harness.load.accounting import Accounting
    from harness.load.report import scenario_report
    from harness.load.runner import LocustRun, run_locust

    sections: dict[str, Any] = {}
    total = Accounting(0, {})
    for scenario in scenarios:
        repeats = []
        for r in range(args.repeats):
            csv = None
            if args.csv:
                suffix = f"_{scenario}" + (f"_r{r}" if args.repeats > 1 else "")
                csv = str(Path(args.csv + suffix).resolve())
            spec = LocustRun(
                scenario, base_url, workdir, duration + drain, duration, args.rate,
                users=args.users, processes=args.processes, poll_policies=policies[scenario],
                job_timeout=args.job_timeout, max_jobs=args.max_jobs, seed=args.seed + r,
                arrivals=args.arrivals, input_image_url=image, csv_prefix=csv,
            )  # fmt: skip

            def progress(elapsed: float, name: str = scenario, rep: int = r) -> None:
                if int(elapsed) % 5 == 0:
                    print(
                        f"  {name} #{rep + 1}: {elapsed:4.0f}s / {duration + drain:.0f}s max",
                        file=sys.stderr,
                        flush=True,
                    )

            print(
                f"load: {scenario} run {r + 1}/{args.repeats} against {base_url}",
                file=sys.stderr,
                flush=True,
            )
            repeats.append(run_locust(spec, token, progress))
        truth = None
        if embedded:
            truth = httpx.get(base_url + "/_emulator/jobs", timeout=30).json()["jobs"]
        section = scenario_report(
            repeats,
            target_wait=target_wait,
            truth=truth,
            true_servers=args.emulator_workers if embedded else None,
        )
        total = total + Accounting(
            section["accounting"]["submitted"],
            {k: v for k, v in section["accounting"].items() if k != "submitted"},
        )
        sections[scenario] = section
    return {
        "generated_at": time.time(),
        "target": {"base_url": base_url, "embedded": embedded},
        "accounting": total.to_dict(),
        "scenarios": sections,
    }


def _finish(args: argparse.Namespace, report: dict[str, Any], slos: list[Any]) -> int:
    from harness.load.slo import evaluate

    first = next(iter(report["scenarios"].values()))
    counts = dict(report["accounting"])
    counts["violations"] = sum(len(s["violations"]) for s in report["scenarios"].values())
    results = evaluate(slos, first["metrics"], counts)
    report["slos"] = [r.to_dict() for r in results]
    Path(args.report).write_text(json.dumps(report, indent=1, default=str))
    if args.html:
        from harness.load.html import render_html

        Path(args.html).write_text(render_html(report))
    _print_summary(report)
    failed = [r for r in results if not r.passed]
    for r in results:
        print(f"SLO {r.slo.text}: {'pass' if r.passed else 'FAIL'} (actual {r.actual})")
    return 1 if failed else 0


def _print_summary(report: dict[str, Any]) -> None:
    print(f"accounting: {report['accounting']}")
    for name, section in report["scenarios"].items():
        m = section["metrics"]
        line = ", ".join(
            f"{k} p50={m[k]['p50']:.3f} p95={m[k]['p95']:.3f}"
            for k in ("queue_wait", "run_time", "end_to_end")
            if k in m
        )
        print(f"{name}: {line}; violations={len(section['violations'])}")
        cap = section["capacity"]
        if cap.get("available"):
            print(
                f"  capacity: servers~{cap['servers']} saturation~"
                f"{cap['saturation_rate_predicted']:.2f}/s max rate for p95 wait <= "
                f"{cap['target_p95_queue_wait']:g}s: {cap['max_rate_for_target']:.2f}/s"
            )
        if "advice" in section and section["advice"].get("recommended"):
            print(f"  poll advice: {section['advice']['reason']}")
