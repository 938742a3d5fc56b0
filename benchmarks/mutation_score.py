"""Mutation score of measurement and judging modules: killed / total per module (bar: 90%).

    python benchmarks/mutation_score.py harness/load/measure/verdicts.py [MODULE ...] [--min 90]

Runs mutmut 3 (configured in pyproject's [tool.mutmut]: which modules may be mutated, which
tests judge them) on the mutants of the given modules only, then reads its results. A mutant
counts as killed when a test failed or timed out on it (or the type checker caught it); one
that survived, or that no test reached, counts against the score. Prints the survivors so
they can be read with `mutmut show NAME`. Exit 1 when a module scores under --min.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

KILLED = {1, 3, 36, 37, 24, -24, 152, 255}  # mutmut's exit codes for killed/timeout/type check
ROOT = Path(__file__).resolve().parent.parent


def module_name(path: str) -> str:
    return Path(path).with_suffix("").as_posix().replace("/", ".")


def score(path: str) -> tuple[int, int, list[str]]:
    meta = ROOT / "mutants" / (path + ".meta")
    if not meta.exists():
        return 0, 0, []
    codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    survivors = sorted(k for k, code in codes.items() if code not in KILLED)
    return len(codes) - len(survivors), len(codes), survivors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="+", help="module paths, e.g. harness/load/measure/slo.py")
    parser.add_argument("--min", type=float, default=90.0, help="per-module bar in %% (90)")
    parser.add_argument("--max-children", type=int, default=2, help="parallel mutants (2)")
    args = parser.parse_args(argv)
    missing = [m for m in args.modules if not (ROOT / m).is_file()]
    if missing:
        print(f"error: no such module(s): {', '.join(missing)}", file=sys.stderr)
        return 2
    globs = [module_name(m) + ".*" for m in args.modules]
    mutmut = Path(sys.executable).with_name("mutmut")
    command = [str(mutmut), "run", "--max-children", str(args.max_children), *globs]
    subprocess.run(command, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
    below = 0
    for path in args.modules:
        killed, total, survivors = score(path)
        share = 100.0 * killed / total if total else 0.0
        below += share < args.min
        print(f"{path}: {killed}/{total} killed ({share:.1f}%)")
        for name in survivors:
            print(f"  survived: {name}")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
