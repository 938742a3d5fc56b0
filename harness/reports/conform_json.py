"""The conformance report as JSON: `checks`, `summary`, and every job created."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.conform.events import Event, RunFinished, RunResult

__all__ = ["JsonReport", "report_dict"]


def report_dict(result: RunResult) -> dict[str, Any]:
    return {
        "checks": [f.to_dict() for f in result.findings],
        "summary": result.summary(),
        "jobs": [vars(j).copy() for j in result.jobs],
        "notes": result.notes,
    }


class JsonReport:
    """Handler: writes the report when the run finishes (also after Ctrl-C)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            text = json.dumps(report_dict(event.result), indent=2, ensure_ascii=False)
            self.path.write_text(text + "\n", encoding="utf-8")
