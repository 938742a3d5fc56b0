"""Run events: what a conformance run announces to its report handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness.checks import Finding, JobEntry, Level, Outcome
from harness.conform.cost import RunCost

__all__ = [
    "CheckFinished",
    "Event",
    "Handler",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "StageStarted",
]


@dataclass(frozen=True)
class RunStarted:
    target: str
    embedded: bool
    checks: int
    max_jobs: int


@dataclass(frozen=True)
class StageStarted:
    name: str


@dataclass(frozen=True)
class CheckFinished:
    finding: Finding


@dataclass
class RunResult:
    target: str
    findings: list[Finding]
    jobs: list[JobEntry]
    max_jobs: int
    duration: float
    strict: bool = False
    fail_on_skip: bool = False
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)
    cost: RunCost | None = None

    def failed(self, level: Level) -> list[Finding]:
        return [f for f in self.findings if f.severity is level]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        if self.failed(Level.MUST) or (self.strict and self.failed(Level.SHOULD)):
            return 1
        if self.fail_on_skip and self.skipped(Level.MUST):
            return 1
        return 0

    def skipped(self, level: Level) -> list[Finding]:
        return [f for f in self.findings if f.level is level and f.outcome is Outcome.SKIPPED]

    def summary(self) -> dict[str, Any]:
        by_outcome = {str(o): 0 for o in Outcome}
        by_level: dict[str, dict[str, int]] = {str(lv): {} for lv in Level}
        for f in self.findings:
            by_outcome[str(f.outcome)] += 1
            counts = by_level[str(f.level)]
            counts[str(f.outcome)] = counts.get(str(f.outcome), 0) + 1
        return {
            "target": self.target,
            "outcomes": by_outcome,
            "levels": by_level,
            "jobs_created": len(self.jobs),
            "max_jobs": self.max_jobs,
            "duration_seconds": round(self.duration, 3),
            "strict": self.strict,
            "fail_on_skip": self.fail_on_skip,
            "interrupted": self.interrupted,
            "exit_code": self.exit_code,
            "gpu_time": None if self.cost is None else self.cost.to_dict(),
            "coverage": self.coverage(),
        }

    def coverage(self) -> dict[str, Any]:
        """Per rule of the table: what the run made of it (the outcome of its checks, answers
        judged, and for a rule not exercised, why)."""
        rules: dict[str, dict[str, Any]] = {}
        for f in self.findings:
            entry = rules.setdefault(
                f.rule.id, {"level": str(f.level), "checks": [], "judged": 0, "outcome": None}
            )
            entry["checks"].append(f.check_id)
            entry["judged"] += f.judged or 0
            entry["outcome"] = _worse(entry["outcome"], f.outcome)
            if f.outcome is Outcome.SKIPPED:
                entry["reason"] = f.message
        for entry in rules.values():
            entry["outcome"] = str(entry["outcome"])
        exercised = [r for r, e in rules.items() if e["outcome"] != str(Outcome.SKIPPED)]
        return {"exercised": len(exercised), "rules": len(rules), "by_rule": rules}


_SEVERITY = (Outcome.FAILED, Outcome.SKIPPED, Outcome.OBSERVED, Outcome.PASSED)


def _worse(a: Outcome | None, b: Outcome) -> Outcome:
    """The outcome a rule gets from two of its checks: a failure wins, then a skip."""
    return b if a is None or _SEVERITY.index(b) < _SEVERITY.index(a) else a


@dataclass(frozen=True)
class RunFinished:
    result: RunResult


Event = RunStarted | StageStarted | CheckFinished | RunFinished
Handler = Callable[[Event], None]
