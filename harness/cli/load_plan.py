"""What a `load` run does, scenario by scenario: rates and arrivals (embedded defaults that
make a short run meaningful), the Locust runs themselves, and the report built from them.

Never imports Locust (the runs are subprocesses). Ground truth is optional: an emulator that
cannot be reached makes it "unavailable", never a crash.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.load.measure.results import RunResults
from harness.load.measure.warmup import NO_WARMUP, Warmup
from harness.target import GROUND_TRUTH_PATH
from harness.urls import is_loopback

__all__ = [
    "EMBEDDED_LOAD",
    "EMBEDDED_TIME_PER_STEP",
    "EMBEDDED_WORKERS",
    "REMOTE_RATE",
    "Plan",
    "build_report",
    "fetch_truth",
]

# The embedded emulator's default workload: 2 GPUs, ~0.67 s per default job (8 steps plus Magic
# Prompt), so a short run queues; rates are shares of that capacity (cancel: in bursts).
EMBEDDED_WORKERS, EMBEDDED_TIME_PER_STEP = 2, 0.07
EMBEDDED_LOAD = {"queue-latency": 0.8, "polling": 0.5, "cancel": 0.7}
REMOTE_RATE = 0.2  # jobs/s against a real server unless --rate says otherwise
_DEFAULT_STEPS = 8


@dataclass
class Plan:
    args: argparse.Namespace
    base_url: str
    token: str | None
    image: str
    workdir: Path
    policies: dict[str, str]
    duration: float
    drain: float
    embedded: bool

    @property
    def true_servers(self) -> int | None:
        return int(self.args.emulator_workers) if self.embedded else None

    def mean_service(self) -> float:
        """The embedded emulator's mean service time for the default job (jitter has mean 1)."""
        from harness.model.config import ServiceTimes

        times = ServiceTimes(time_per_step=self.args.emulator_time_per_step)
        return float(times.time_per_step * _DEFAULT_STEPS + times.expansion_seconds())

    def capacity(self) -> float:
        return float(self.args.emulator_workers) / max(self.mean_service(), 1e-6)

    def rate(self, scenario: str) -> float:
        if self.args.rate is not None:
            return float(self.args.rate)
        return EMBEDDED_LOAD[scenario] * self.capacity() if self.embedded else REMOTE_RATE

    def arrivals(self, scenario: str) -> str:
        if self.args.arrivals is not None:
            return str(self.args.arrivals)
        return "bursts" if self.embedded and scenario == "cancel" else "poisson"

    def banner(self, scenarios: list[str]) -> str:
        lines = []
        if self.embedded:
            lines.append(
                f"load: embedded emulator: {self.args.emulator_workers} workers, "
                f"~{self.mean_service():.2f} s per job (time-per-step "
                f"{self.args.emulator_time_per_step:g}), capacity ~{self.capacity():.2f} jobs/s"
            )
        for s in scenarios:
            share = f" (~{self.rate(s) / self.capacity():.0%} of capacity)" if self.embedded else ""
            burst = f" of {self.args.burst_size}" if self.arrivals(s) == "bursts" else ""
            lines.append(
                f"load: {s}: {self.rate(s):.2f} jobs/s{share}, {self.arrivals(s)}{burst} "
                f"arrivals, {self.duration:g}s + up to {self.drain:g}s drain"
            )
        return "\n".join(lines)

    def run_all(self, scenarios: list[str]) -> dict[str, list[RunResults]]:
        """Every scenario's repeats; after a Ctrl-C, what was measured so far.

        `--max-jobs` is the budget of the whole command: each run may spend what the runs
        before it left, and once it is spent the remaining runs are skipped, said so.
        """
        runs: dict[str, list[RunResults]] = {}
        spent = 0
        for scenario in scenarios:
            for r in range(self.args.repeats):
                left = self.args.max_jobs - spent
                if self.args.max_jobs and left <= 0:
                    print(f"load: {scenario} run {r + 1} skipped: --max-jobs "
                          f"{self.args.max_jobs} spent", file=sys.stderr)  # fmt: skip
                    continue
                result = self.run_one(scenario, r, budget=left if self.args.max_jobs else 0)
                spent += len(result.records)  # every submit attempt counts, even a refused one
                runs.setdefault(scenario, []).append(result)
                if result.interrupted:
                    return runs
        return runs

    def run_one(self, scenario: str, r: int, *, budget: int = 0) -> RunResults:
        from harness.load.run.runner import LocustRun, run_locust

        args = self.args
        csv = None
        if args.csv:
            suffix = f"_{scenario}" + (f"_r{r}" if args.repeats > 1 else "")
            csv = str(Path(args.csv + suffix).resolve())
        spec = LocustRun(
            scenario, self.base_url, self.workdir, self.duration + self.drain, self.duration,
            self.rate(scenario), users=args.users, processes=args.processes,
            poll_policies=self.policies[scenario], job_timeout=args.job_timeout,
            max_jobs=budget, seed=args.seed + r, arrivals=self.arrivals(scenario),
            burst_size=args.burst_size, input_image_url=self.image, csv_prefix=csv,
        )  # fmt: skip
        print(
            f"load: {scenario} run {r + 1}/{args.repeats} against {self.base_url}",
            file=sys.stderr,
            flush=True,
        )

        def progress(elapsed: float) -> None:
            if int(elapsed) % 5:
                return
            if elapsed <= self.duration:
                shown = f"{elapsed:4.0f}s / {self.duration:g}s"
            else:
                shown = f"draining {elapsed - self.duration:.0f}s (up to {self.drain:g}s)"
            print(f"  {scenario} #{r + 1}: {shown}", file=sys.stderr, flush=True)

        return run_locust(spec, self.token, progress)


def fetch_truth(base_url: str) -> tuple[list[dict[str, Any]] | None, str]:
    """The emulator's ground truth, or None and why (gone, not an emulator, bad answer)."""
    import httpx

    try:
        response = httpx.get(base_url + GROUND_TRUTH_PATH, timeout=10)
        response.raise_for_status()
        jobs = response.json()["jobs"]
        if not isinstance(jobs, list):
            return None, f"unavailable: {GROUND_TRUTH_PATH} gave no job list"
        return jobs, ""
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        return None, f"unavailable: {type(exc).__name__} from {base_url}{GROUND_TRUTH_PATH}"


def build_report(
    runs: dict[str, list[RunResults]],
    *,
    base_url: str,
    embedded: bool,
    target_wait: float,
    true_servers: int | None,
    warmup: Warmup = NO_WARMUP,
) -> dict[str, Any]:
    from harness.load.measure.accounting import Accounting
    from harness.load.measure.warmup import apply_warmup
    from harness.load.run.judging import mark_warmup
    from harness.load.run.report import scenario_report

    truth, why = (None, "")
    if embedded or is_loopback(base_url):
        truth, why = fetch_truth(base_url)
    sections: dict[str, Any] = {}
    total = Accounting(0, {})
    for scenario, repeats in runs.items():
        kept = [apply_warmup(r, warmup) for r in repeats]  # figures without the warm-up
        section = scenario_report(
            [run for run, _ in kept], target_wait=target_wait, truth=truth,
            true_servers=true_servers,
        )  # fmt: skip
        mark_warmup(section, kept, warmup, truth)
        if truth is None and embedded:
            section["ground_truth"] = {"available": False, "reason": why}
        acc = section["accounting"]
        total = total + Accounting(
            acc["submitted"], {k: v for k, v in acc.items() if k != "submitted"}
        )
        sections[scenario] = section
    interrupted = any(r.interrupted for repeats in runs.values() for r in repeats)
    return {
        "generated_at": time.time(),
        "target": {"base_url": base_url, "embedded": embedded},
        "interrupted": interrupted,
        "accounting": total.to_dict(),
        "scenarios": sections,
    }
