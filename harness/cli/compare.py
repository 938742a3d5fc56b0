"""`chronoedit-harness compare OLD.json NEW.json`: did the load run get worse?

Exit 0: no significant regression beyond the threshold; 1: at least one; 2: bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.cli.options import writable_file
from harness.errors import UsageError

__all__ = ["read_jobs", "register", "run"]


def _share(text: str) -> float:
    """`10%` or `0.1`."""
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if value < 0:
        raise ValueError("must be >= 0")
    return value


def register(sub: Any, *, name: str, help: str) -> None:
    from harness.load.measure.compare import COMPARED_METRICS, DEFAULT_CONFIDENCE

    p = sub.add_parser(name, help=help, description=help)
    p.add_argument("old", type=Path, help="the baseline load report (JSON)")
    p.add_argument("new", type=Path, help="the load report to judge (JSON)")
    p.add_argument("--threshold", type=_share, default=0.10, metavar="PCT",
                   help="alarm on a significant regression beyond this (default 10%%)")  # fmt: skip
    default_metrics = ", ".join(COMPARED_METRICS)
    p.add_argument("--metric", action="append", default=None,
                   help=f"metric to compare (repeatable; default {default_metrics})")  # fmt: skip
    p.add_argument("--confidence", type=float, default=DEFAULT_CONFIDENCE,
                   help="of the change's interval (default %(default)s)")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="of the spell permutations (default 0)")
    p.add_argument("--markdown", type=Path, default=None, metavar="FILE",
                   help="write a Markdown summary a CI job can post")  # fmt: skip
    p.set_defaults(handler=run)


def read_jobs(path: Path) -> dict[str, list[Any]]:
    """A load report's job records per scenario; UsageError (one line) when it is not one."""
    from harness.load.measure.jobs import JobRecord

    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        return {
            name: [JobRecord.from_dict(job) for job in section["jobs"]]
            for name, section in report["scenarios"].items()
        }
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None
    except (KeyError, TypeError, AttributeError):
        raise UsageError(f"{path} is not a load report (no scenarios with jobs)") from None


def run(args: argparse.Namespace) -> int:
    from harness.load.measure.compare import compare_runs
    from harness.reports.load_compare import console_lines, markdown

    if not 0.5 < args.confidence < 1:
        raise UsageError("--confidence must be in (0.5, 1)")
    if args.markdown is not None:
        writable_file(args.markdown, "--markdown")
    old, new = read_jobs(args.old), read_jobs(args.new)
    metrics = args.metric or None
    kwargs = {} if metrics is None else {"metrics": metrics}
    changes = compare_runs(old, new, confidence=args.confidence, seed=args.seed, **kwargs)
    if not changes:
        raise UsageError(f"{args.old} and {args.new} share no scenario with measured jobs")
    for line in console_lines(changes, args.threshold):
        print(line)
    if args.markdown is not None:
        text = markdown(changes, args.threshold, args.old.name, args.new.name)
        args.markdown.write_text(text, encoding="utf-8")
    alarms = sum(c.change.alarms(args.threshold) for c in changes)
    verdict = f"{alarms} significant regression(s)" if alarms else "no significant regression"
    print(f"compare: {verdict} beyond {args.threshold:.0%}", file=sys.stderr)
    return 1 if alarms else 0
