"""SLO gates like k6 thresholds: `queue_wait.p95<30s`, `lost==0`, `polls_per_job.mean<=20`."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Slo", "SloResult", "evaluate", "parse_slo"]

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_UNITS = {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "m": 60.0, "%": 0.01}
_STATS = ("p50", "p90", "p95", "p99", "max", "mean", "count")
_PATTERN = re.compile(
    r"^\s*(?P<metric>[a-z_]+)(?:\.(?P<stat>[a-z0-9]+))?\s*(?P<op><=|>=|==|!=|<|>)\s*"
    r"(?P<value>[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*(?P<unit>ms|us|s|m|%)?\s*$"
)


@dataclass(frozen=True)
class Slo:
    text: str
    metric: str
    stat: str | None
    op: str
    value: float  # seconds for durations

    def holds(self, actual: float) -> bool:
        return _OPS[self.op](actual, self.value)


@dataclass(frozen=True)
class SloResult:
    slo: Slo
    actual: float | None
    passed: bool
    scope: str = "all"  # the scenario whose metrics were judged; "all" for run-wide counts

    def to_dict(self) -> dict[str, Any]:
        return {"slo": self.slo.text, "scope": self.scope, "actual": self.actual,
                "passed": self.passed}  # fmt: skip


def parse_slo(text: str) -> Slo:
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(f"bad SLO {text!r}: use METRIC[.STAT] OP VALUE[ms|s|m|%]")
    stat = match["stat"]
    if stat is not None and stat not in _STATS:
        raise ValueError(f"bad SLO {text!r}: stat must be one of {', '.join(_STATS)}")
    value = float(match["value"]) * _UNITS[match["unit"] or ""]
    return Slo(text.strip(), match["metric"], stat, match["op"], value)


def evaluate(
    slos: list[Slo],
    metrics: Mapping[str, Mapping[str, Mapping[str, Any]]],
    counts: Mapping[str, float],
) -> list[SloResult]:
    """`metrics`: scenario -> metric -> summary (p95...); `counts`: run-wide buckets, violations.

    A metric SLO is judged on every scenario that ran (each must hold it); a count SLO once, on
    the run's totals. A metric the run never measured fails: a gate cannot pass on missing data.
    """
    results = []
    for slo in slos:
        if slo.stat is None:
            results.append(_judge(slo, counts.get(slo.metric), "all"))
            continue
        for scenario, summaries in (metrics or {"(no scenario ran)": {}}).items():
            summary = summaries.get(slo.metric)
            results.append(
                _judge(slo, None if summary is None else summary.get(slo.stat), scenario)
            )
    return results


def _judge(slo: Slo, actual: float | None, scope: str) -> SloResult:
    return SloResult(slo, actual, actual is not None and slo.holds(float(actual)), scope)
