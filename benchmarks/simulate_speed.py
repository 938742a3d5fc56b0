"""Fleet simulator speed: one million jobs on 1,000 workers, one core (target: under 10 s).

Medians over repeats of the whole `simulate` call (drawing arrivals and service times, the
event loop, the arrays), at three loads and with cold starts and failures on, beside the jobs
per second it implies. Pinned to one core when the OS allows.

    python benchmarks/simulate_speed.py [--jobs 1000000] [--workers 1000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from harness.model.fleet import Arrivals, Fleet, ServiceLaw, simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    law = ServiceLaw(mean=10.0, cv=0.5)
    cases = [
        ("load 0.50", Fleet(args.workers)),
        ("load 0.95", Fleet(args.workers)),
        ("load 1.20 (overload)", Fleet(args.workers)),
        ("load 0.95, cold starts + 1% failures", Fleet(args.workers, 30.0, 60.0, 0.01)),
    ]
    loads = [0.5, 0.95, 1.2, 0.95]
    print(f"{args.jobs:,} jobs on {args.workers:,} workers, mean service 10 s, CV 0.5, one core")
    for (name, fleet), load in zip(cases, loads, strict=True):
        rate = load * args.workers / law.mean
        times = []
        for r in range(args.repeats):
            t0 = time.perf_counter()
            run = simulate(fleet, law, Arrivals("poisson", rate), args.jobs, seed=r)
            times.append(time.perf_counter() - t0)
        median = statistics.median(times)
        summary = run.summary()
        print(
            f"  {name:38s} median {median:6.2f} s  ({args.jobs / median / 1e6:.2f} M jobs/s)  "
            f"p95 wait {summary.p95:8.2f} s  {'OK' if median < 10 else 'OVER 10 s'}"
        )


if __name__ == "__main__":
    main()
