"""The JSON load report: the typed model serialised, as `schemas/load-report.schema.json`
describes it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.load.run.report_model import LoadReport, to_plain

__all__ = ["report_data", "write_json"]


def report_data(report: LoadReport) -> dict[str, Any]:
    data: dict[str, Any] = to_plain(report)
    return data


def write_json(report: LoadReport, path: Path) -> None:
    """Whole or not at all: a reader never sees a half-written report."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(report_data(report), indent=1, allow_nan=False))
    partial.replace(path)
