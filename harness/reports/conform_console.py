"""Console output of a conformance run (rich): progress while running, a table at the end."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from harness.checks import Finding, Level, Outcome
from harness.conform.events import CheckFinished, Event, RunFinished, RunStarted, StageStarted

__all__ = ["ConsoleReport"]

_STYLE = {
    Outcome.PASSED: "green",
    Outcome.FAILED: "red",
    Outcome.SKIPPED: "yellow",
    Outcome.OBSERVED: "cyan",
}


class ConsoleReport:
    def __init__(self, console: Console | None = None, *, quiet: bool = False) -> None:
        self.console = console or Console(stderr=True, highlight=False)
        self.quiet = quiet

    def __call__(self, event: Event) -> None:
        c = self.console
        if isinstance(event, RunStarted):
            where = "embedded emulator" if event.embedded else "target"
            c.print(
                f"conform: {event.checks} checks against {where} {event.target} "
                f"(max {event.max_jobs} jobs)"
            )
        elif isinstance(event, StageStarted) and not self.quiet:
            c.print(f"  [dim]{event.name}[/dim]")
        elif isinstance(event, CheckFinished) and not self.quiet:
            f = event.finding
            style = _STYLE[f.outcome]
            c.print(
                f"  [{style}]{f.outcome:8}[/{style}] {f.level:7} {f.check_id} ({f.rule.id})",
                markup=True,
            )
        elif isinstance(event, RunFinished):
            self._table(event)

    def _broken_rules(self, findings: list[Finding]) -> None:
        """The text of every rule a check found broken, once, as the rules table states it."""
        broken = {f.rule.id: f.rule for f in findings if f.outcome is Outcome.FAILED}
        if broken:
            self.console.print("rules broken:")
        for rule in broken.values():
            self.console.print(f"  [red]{rule.level}[/red] {rule.id}: {rule.text}", markup=True)

    def _table(self, event: RunFinished) -> None:
        result = event.result
        table = Table(title="conformance", show_lines=False)
        for column in ("check", "rule", "level", "outcome", "message"):
            table.add_column(column, overflow="fold")
        for f in result.findings:
            style = _STYLE[f.outcome]
            outcome = f"[{style}]{f.outcome}[/{style}]"
            table.add_row(f.check_id, f.rule.id, str(f.level), outcome, f.message)
        self.console.print(table)
        self._broken_rules(result.findings)
        for note in result.notes:
            self.console.print(f"[yellow]note:[/yellow] {note}", markup=True)
        if result.fail_on_skip and result.skipped(Level.MUST):
            names = ", ".join(f.check_id for f in result.skipped(Level.MUST))
            self.console.print(f"[red]--fail-on-skip:[/red] MUST checks not exercised: {names}")
        s = result.summary()
        counts = ", ".join(f"{n} {k}" for k, n in s["outcomes"].items())
        self.console.print(
            f"{counts}; {s['jobs_created']}/{s['max_jobs']} jobs created; "
            f"{s['duration_seconds']:.1f}s; exit {s['exit_code']}"
        )
