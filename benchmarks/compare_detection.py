"""Does `compare` flag a 20% slower emulator, and stay quiet on reruns? Live, one-minute runs.

    python benchmarks/compare_detection.py [--reruns 10] [--slow 1] [--first-seed 1]
                                           [--duration 60s] [--keep DIR]
    python benchmarks/compare_detection.py --reuse DIR

Runs `load` (queue-latency, embedded emulator, 2 GPUs, 2.4 jobs/s: 80% of its capacity) once
as the baseline (seed 0), `--reruns` more times with other seeds (from `--first-seed`), and
`--slow` times (seeds from 100) with the emulator 20% slower (time per step 0.084 s instead of
0.07 s) at the same rate; then compares each with the baseline, as `compare` does with its
defaults, and prints the alarms. `--keep DIR`
keeps the reports (`same-SEED.json`, `slow-SEED.json`); `--reuse DIR` runs nothing and judges
saved reports every way: each ordered pair of same-configuration reports (the false-alarm rate
per pair, from N*(N-1) pairs instead of N) and each slower report against every other one.
Too slow for the test suite (a minute and a half per run); tests/verdicts/test_compare.py
proves the same on simulated runs.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from harness.cli.compare import read_jobs
from harness.load.measure.compare import DEFAULT_THRESHOLD, compare_runs

RATE = "2.4"
STEP = 0.07
SLOWER = 1.2
HARNESS = str(Path(sys.executable).with_name("chronoedit-harness"))

Runs = dict[str, dict[str, list[Any]]]


def load(report: Path, *, seed: int, step: float, duration: str) -> None:
    command = [
        HARNESS, "load", "--scenario", "queue-latency",
        "--rate", RATE, "--duration", duration, "--drain", "30s", "--seed", str(seed),
        "--emulator-time-per-step", f"{step:g}", "--report", str(report),
    ]  # fmt: skip
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not report.exists():
        raise SystemExit(f"load run (seed {seed}) wrote no report")


def alarms(old: dict[str, list[Any]], new: dict[str, list[Any]]) -> list[str]:
    """The figures `compare OLD NEW` alarms on (its defaults), with their change and interval."""
    return [
        f"{c.change.metric}.p{c.change.percentile:g} {c.change.change:+.0%} "
        f"[{c.change.low:+.0%}, {c.change.high:+.0%}]"
        for c in compare_runs(old, new)
        if c.change.alarms(DEFAULT_THRESHOLD)
    ]


def _figure(alarm: str) -> str:
    return alarm.split(maxsplit=1)[0]


def live(args: argparse.Namespace, folder: Path) -> int:
    base = folder / "same-0.json"
    load(base, seed=0, step=STEP, duration=args.duration)
    baseline = read_jobs(base)
    quiet = 0
    for seed in range(args.first_seed, args.first_seed + args.reruns):
        rerun = folder / f"same-{seed}.json"
        load(rerun, seed=seed, step=STEP, duration=args.duration)
        found = alarms(baseline, read_jobs(rerun))
        quiet += not found
        print(f"rerun seed {seed}: {len(found)} alarm(s)", *found, sep="\n  ")
    flagged = 0
    for seed in range(100, 100 + args.slow):
        slow = folder / f"slow-{seed}.json"
        load(slow, seed=seed, step=STEP * SLOWER, duration=args.duration)
        found = alarms(baseline, read_jobs(slow))
        flagged += bool(found)
        print(f"20% slower, seed {seed}: {len(found)} alarm(s)", *found, sep="\n  ")
    print(f"no alarm on {quiet} of {args.reruns} reruns; "
          f"20% slower flagged {flagged} of {args.slow}")  # fmt: skip
    return 0


def _pairs(runs: Runs, pairs: list[tuple[str, str]]) -> tuple[int, Counter[str]]:
    alarmed, by_figure = 0, Counter[str]()
    for old, new in pairs:
        found = alarms(runs[old], runs[new])
        alarmed += bool(found)
        by_figure.update(_figure(a) for a in found)
    return alarmed, by_figure


def reuse(folder: Path) -> int:
    same = sorted(folder.glob("same-*.json"))
    slow = sorted(folder.glob("slow-*.json"))
    if len(same) < 2:
        raise SystemExit(f"{folder}: fewer than two same-*.json reports")
    runs = {p.name: read_jobs(p) for p in same + slow}
    pairs = [(a.name, b.name) for a, b in itertools.permutations(same, 2)]
    alarmed, by_figure = _pairs(runs, pairs)
    print(f"same configuration: alarm on {alarmed} of {len(pairs)} ordered pairs "
          f"({alarmed / len(pairs):.1%}); by figure: {dict(by_figure) or 'none'}")  # fmt: skip
    for report in slow:
        flagged, by_figure = _pairs(runs, [(b.name, report.name) for b in same])
        print(f"{report.name}: flagged against {flagged} of {len(same)} baselines; "
              f"by figure: {dict(by_figure) or 'none'}")  # fmt: skip
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--slow", type=int, default=1, help="runs of the slower emulator (1)")
    parser.add_argument("--first-seed", type=int, default=1,
                        help="of the reruns (1); other seeds give new evidence")  # fmt: skip
    parser.add_argument("--duration", default="60s")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="keep the reports in DIR")  # fmt: skip
    parser.add_argument("--reuse", type=Path, default=None, metavar="DIR",
                        help="run nothing: judge the reports saved in DIR")  # fmt: skip
    args = parser.parse_args()
    if args.reuse is not None:
        return reuse(args.reuse)
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        return live(args, args.keep)
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        return live(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
