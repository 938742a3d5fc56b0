"""GPU time a default `conform` run spends, against the emulator with ~10 s jobs and 2 workers.

The emulator (real HTTP on loopback, real clock) is configured like the paid API: a default
job (8 steps, 480p, prompt expansion) takes ~9.5 s on one of 2 GPUs. The run uses the CLI's
defaults for a remote server (poll every 1 s, job timeout 300 s, --max-jobs 12). GPU time is
read from the emulator's ground truth: the sum over every job the run created of the seconds
it held a GPU. `--scale` shrinks every duration (service times, poll interval, timeout) by
the same factor and scales the figures back, so a quick look costs seconds:

    python benchmarks/conform_gpu_time.py             # full scale: ~1-2 minutes
    python benchmarks/conform_gpu_time.py --scale 0.1 # ten times faster, same figures (about)
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from harness.conform import ConformOptions, run_conformance
from harness.emulator import EmulatorServer
from harness.model import FaultSet, ModelConfig, ServiceTimes
from harness.secrets import Token
from harness.target import Target


def gpu_seconds(truth: list[dict[str, Any]], now: float) -> float:
    """Seconds each job held a GPU (a job still running counts up to `now`)."""
    total = 0.0
    for job in truth:
        start = job.get("started_at")
        if start is None:
            continue
        end = job.get("finished_at")
        total += (end if end is not None else now) - start
    return total


def run_once(scale: float, seed: int, max_jobs: int) -> dict[str, float]:
    config = ModelConfig(workers=2, times=ServiceTimes(time_per_step=1.0 * scale), seed=seed)
    with EmulatorServer(config, FaultSet(seed=seed)) as server:
        target = Target(
            server.base_url,
            Token(config.tokens[0]),
            Token(config.tokens[1]),
            server.sample_url(),
            embedded=True,
        )
        options = ConformOptions(
            max_jobs=max_jobs, poll_interval=1.0 * scale, job_timeout=300.0 * scale, seed=seed
        )
        started = time.monotonic()
        result = run_conformance(target, options)
        wall = time.monotonic() - started
        # let what is still running end, so the figure counts every second the run caused
        deadline = time.monotonic() + 120 * scale
        while time.monotonic() < deadline:
            truth = server.ground_truth()
            if all(j["state"] not in ("queued", "running") for j in truth):
                break
            time.sleep(0.05)
        truth = server.ground_truth()
        used = gpu_seconds(truth, time.time())
    cost = getattr(result, "cost", None)  # absent before the run reported its GPU time
    estimate = getattr(cost, "planned", None)
    return {
        "wall": wall / scale,
        "gpu": used / scale,
        "estimate": float("nan") if estimate is None else float(estimate) / scale,
        "jobs": float(len(truth)),
        "exit": float(result.exit_code),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="time scale (1: ~10 s jobs)")
    parser.add_argument("--seeds", type=int, default=1, help="runs (seeds 0..N-1)")
    parser.add_argument("--max-jobs", type=int, default=12)
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 1 or args.seeds < 1:
        print("error: --scale must be in (0, 1] and --seeds >= 1", file=sys.stderr)
        return 2
    for seed in range(args.seeds):
        r = run_once(args.scale, seed, args.max_jobs)
        print(
            f"seed {seed}: GPU time used {r['gpu']:.1f} s (estimated before the run "
            f"{r['estimate']:.1f} s), run took {r['wall']:.1f} s, {r['jobs']:.0f} jobs, "
            f"exit {r['exit']:.0f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
