"""The load report on the console (rich): the answers first (capacity, SLO verdicts,
accounting as a table), then a few lines per scenario."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from harness.load.measure.server_times import server_times_line
from harness.load.run.report_model import LoadReport, ScenarioReport
from harness.reports.load_format import (
    DASH,
    capacity_headline,
    capacity_line,
    count,
    in_unit,
    overflow_note,
)

__all__ = ["print_summary"]

_VERDICT = {"pass": "[green]pass[/green]", "fail": "[red]FAIL[/red]",
            "inconclusive": "[yellow]inconclusive[/yellow]"}  # fmt: skip
_SHOWN = ("queue_wait", "run_time", "end_to_end", "detection_delay", "polls_per_job")


def _accounting(report: LoadReport) -> Table:
    acc = report.accounting
    table = Table(title="accounting (jobs)", title_justify="left")
    for name in ("submitted", *acc.buckets()):
        table.add_column(name, justify="right")
    table.add_row(count(acc.submitted), *(count(v) for v in acc.buckets().values()))
    return table


def _slos(report: LoadReport) -> Table:
    table = Table(title="SLO verdicts", title_justify="left")
    for name in ("SLO", "scenario", "measured", "verdict", "how it was judged"):
        table.add_column(name)
    for v in report.slos:
        measured = DASH if v.actual is None else in_unit(v.actual, v.unit)
        table.add_row(v.slo, v.scope, measured, _VERDICT.get(v.verdict, v.verdict), v.explanation)
    return table


_VERDICT = {"pass": "[green]pass[/green]", "fail": "[red]FAIL[/red]",
            "inconclusive": "[yellow]INCONCLUSIVE[/yellow]"}  # fmt: skip


def _scenario(console: Console, section: ScenarioReport) -> None:
    m = section.metrics
    figures = ", ".join(
        f"{m[k].label} p50 {in_unit(m[k].p50, m[k].unit)} p95 {in_unit(m[k].p95, m[k].unit)}"
        for k in _SHOWN
        if k in m
    )
    console.print(f"[bold]{section.scenario}[/bold]: {figures or 'no job finished'}; "
                  f"violations {len(section.violations)}")  # fmt: skip
    for metric in m.values():
        if metric.overflow:
            console.print(f"  [yellow]{overflow_note(metric)}[/yellow]")
    console.print(f"  {capacity_line(section.capacity)}")
    console.print(f"  {server_times_line(section.server_timestamps)}")
    gt = section.ground_truth
    if gt.available:
        verdict = "all inside" if gt.all_within else f"{len(gt.misses)} outside"
        console.print(f"  ground truth: {gt.compared} jobs compared, {verdict} their bounds")
    elif section.ground_truth.reason:
        console.print(f"  ground truth: {gt.reason}")
    if section.cancel is not None:
        for row in section.cancel.moments:
            why = f" ({row.reason})" if row.reason else ""
            console.print(f"  cancel {row.moment}: {row.attempts} attempts{why}")
    if section.goodput is not None and section.goodput.share is not None:
        g = section.goodput
        console.print(f"  goodput: {g.met} of {g.jobs} jobs met every target ({g.share:.1%}; "
                      f"{', '.join(g.targets) or 'completed'})")  # fmt: skip
    if section.warmup is not None:
        w = section.warmup
        cold = f"; cold starts in it: {len(w.cold.in_warmup)}, after it: {len(w.cold.measured)}"
        console.print(f"  warm-up {w.warmup}: {w.excluded_jobs} jobs reported apart"
                      f"{cold if w.cold.known else ''}")  # fmt: skip
    if section.advice is not None and section.advice.recommended:
        console.print(f"  poll advice: {section.advice.reason}")


def print_summary(report: LoadReport, console: Console | None = None) -> None:
    console = console or Console(highlight=False, soft_wrap=True)
    if report.interrupted:
        console.print("[red]interrupted: a partial run; queued jobs were cancelled[/red]")
    if report.stopped_early is not None:
        console.print(f"[red]{escape(report.stopped_early.explanation)}[/red]")
    for answer in report.capacity:
        console.print(f"capacity ({answer.scenario}): {capacity_headline(answer)}")
    if report.slos:
        console.print(_slos(report))
    console.print(_accounting(report))
    for section in report.scenarios.values():
        _scenario(console, section)
