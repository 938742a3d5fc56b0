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
        }


@dataclass(frozen=True)
class RunFinished:
    result: RunResult


Event = RunStarted | StageStarted | CheckFinished | RunFinished
Handler = Callable[[Event], None]
