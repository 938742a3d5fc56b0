"""Does `compare` flag a 20% slower emulator, and stay quiet on reruns? Live, one-minute runs.

    python benchmarks/compare_detection.py [--reruns 10] [--duration 60s]

Runs `load` (queue-latency, embedded emulator, 2 GPUs, 2.4 jobs/s: 80% of its capacity) once
as the baseline, `--reruns` more times with other seeds, and once with the emulator 20%
slower (time per step 0.084 s instead of 0.07 s) at the same rate; then compares each with the
baseline and prints the exit codes and alarms. Too slow for the test suite (a minute per run);
tests/verdicts/test_compare.py proves the same on simulated runs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

RATE = "2.4"
STEP = 0.07
HARNESS = str(Path(sys.executable).with_name("chronoedit-harness"))


def load(report: Path, *, seed: int, step: float, duration: str) -> None:
    command = [
        HARNESS, "load", "--scenario", "queue-latency",
        "--rate", RATE, "--duration", duration, "--drain", "30s", "--seed", str(seed),
        "--emulator-time-per-step", f"{step:g}", "--report", str(report),
    ]  # fmt: skip
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not report.exists():
        raise SystemExit(f"load run (seed {seed}) wrote no report")


def compare(old: Path, new: Path) -> tuple[int, list[str]]:
    command = [HARNESS, "compare", str(old), str(new)]
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    return done.returncode, [line for line in done.stdout.splitlines() if "ALARM" in line]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reruns", type=int, default=10)
    parser.add_argument("--duration", default="60s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="compare-") as tmp:
        base = Path(tmp) / "base.json"
        load(base, seed=0, step=STEP, duration=args.duration)
        quiet = 0
        for seed in range(1, args.reruns + 1):
            rerun = Path(tmp) / f"rerun{seed}.json"
            load(rerun, seed=seed, step=STEP, duration=args.duration)
            code, alarms = compare(base, rerun)
            quiet += code == 0
            print(f"rerun seed {seed}: compare exit {code}", *alarms, sep="\n  ")
        slow = Path(tmp) / "slow.json"
        load(slow, seed=100, step=STEP * 1.2, duration=args.duration)
        code, alarms = compare(base, slow)
        print(f"20% slower: compare exit {code}", *alarms, sep="\n  ")
    print(f"no alarm on {quiet} of {args.reruns} reruns; 20% slower flagged: {code == 1}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
