"""Writers of a run comparison: console lines and a Markdown summary a CI job can post."""

from __future__ import annotations

import math
from collections.abc import Sequence

from harness.load.measure.compare import ScopedChange, Status

__all__ = ["console_lines", "markdown"]

_MARK = {Status.REGRESSED: "🔴", Status.IMPROVED: "🟢", Status.UNCHANGED: "⚪"}


def _pct(value: float) -> str:
    if math.isinf(value):
        return "+inf%" if value > 0 else "-inf%"
    return f"{value:+.1%}"


def _seconds(value: float) -> str:
    return "never (lost or failed)" if math.isinf(value) else f"{value:.3g} s"


def _row(item: ScopedChange) -> tuple[str, str, str, str, str, str, str]:
    c = item.change
    return (item.scenario, c.metric, f"p{c.percentile:g}", _seconds(c.old), _seconds(c.new),
            f"{_pct(c.change)} [{_pct(c.low)}, {_pct(c.high)}]", c.status.value)  # fmt: skip


def _evidence(item: ScopedChange) -> str:
    c = item.change
    return f"{c.old_jobs} ({c.old_spells}) → {c.new_jobs} ({c.new_spells})"


def console_lines(changes: Sequence[ScopedChange], threshold: float) -> list[str]:
    lines = []
    for item in changes:
        scenario, metric, stat, old, new, change, status = _row(item)
        alarm = "  ALARM" if item.change.alarms(threshold) else ""
        lines.append(f"{scenario} {metric}.{stat}: {old} -> {new}, {change}: {status}{alarm}")
    return lines


def markdown(changes: Sequence[ScopedChange], threshold: float, old: str, new: str) -> str:
    alarms = [c for c in changes if c.change.alarms(threshold)]
    confidence = changes[0].change.confidence if changes else None
    head = (f"**{len(alarms)} significant regression(s) beyond {threshold:.0%}**" if alarms
            else f"No significant regression beyond {threshold:.0%}")  # fmt: skip
    lines = [
        f"### Load comparison: `{old}` → `{new}`",
        "",
        head
        + (
            f" ({confidence:.0%} confidence intervals from permutations of busy spells:"
            " a spell runs from a job that found a GPU free to the next one)."
            if confidence is not None
            else ": nothing in common to compare."
        ),
        "",
        "| | scenario | metric | old | new | change [interval] | status | jobs (spells) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for item in changes:
        scenario, metric, stat, old_v, new_v, change, status = _row(item)
        lines.append(f"| {_MARK[item.change.status]} | {scenario} | {metric} {stat} | {old_v} | "
                     f"{new_v} | {change} | {status} | {_evidence(item)} |")  # fmt: skip
    return "\n".join(lines) + "\n"
