"""The load report's figures as CSV: one row per scenario and metric, units in the header."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from harness.load.run.report_model import LoadReport

__all__ = ["HEADER", "csv_text", "write_csv"]

HEADER = ["scenario", "metric", "label", "unit", "count", "p50", "p90", "p95", "p99", "max",
          "mean", "overflow"]  # fmt: skip


def csv_text(report: LoadReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for name, section in report.scenarios.items():
        for m in section.metrics.values():
            figures = (m.p50, m.p90, m.p95, m.p99, m.max, m.mean)
            shown = [f"{v:.6g}" for v in figures]
            writer.writerow([name, m.metric, m.label, m.unit, m.count, *shown, m.overflow])
    return out.getvalue()


def write_csv(report: LoadReport, path: Path) -> None:
    path.write_text(csv_text(report))
