"""Conformance runs: the workload, the checks in order, run events for the reports."""

from harness.conform.events import (
    CheckFinished,
    Event,
    Handler,
    RunFinished,
    RunResult,
    RunStarted,
    StageStarted,
)
from harness.conform.runner import ConformOptions, run_conformance
from harness.conform.workload import Workload

__all__ = [
    "CheckFinished",
    "ConformOptions",
    "Event",
    "Handler",
    "RunFinished",
    "RunResult",
    "RunStarted",
    "StageStarted",
    "Workload",
    "run_conformance",
]
