"""Every writer of the load report, by the paths its settings name."""

from __future__ import annotations

from pathlib import Path

from harness.load.run.report_model import LoadReport
from harness.load.run.settings import LoadSettings
from harness.reports.load_console import print_summary
from harness.reports.load_csv import write_csv
from harness.reports.load_html import write_html
from harness.reports.load_json import write_json
from harness.reports.load_junit import write_load_junit

__all__ = ["write_reports"]


def write_reports(report: LoadReport, settings: LoadSettings) -> None:
    write_json(report, Path(settings.report))
    if settings.html:
        write_html(report, Path(settings.html))
    if settings.csv:
        write_csv(report, Path(settings.csv))
    if settings.junit:
        write_load_junit(Path(settings.junit), report.slos, settings.inconclusive or "skip")
    print_summary(report)
