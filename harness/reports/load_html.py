"""The HTML load report: the typed model through a Jinja2 template (`templates/`), plots from
`load_plots`. Self-contained: no script, font or stylesheet is fetched, the file opens offline.

It opens with the answers (capacity headline, SLO verdicts, accounting), then the detail.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import jinja2

from harness.load.measure.metrics import unit_of
from harness.load.run.report_model import CapacityEstimate, LoadReport
from harness.reports import load_format as fmt
from harness.reports.load_plots import scenario_plots

__all__ = ["capacity_rows", "environment", "render_html", "write_html"]

TEMPLATE = "load_report.html.j2"


def capacity_rows(cap: CapacityEstimate) -> list[tuple[str, str]]:
    """The capacity estimate as (readable label, figure with its unit)."""
    approx = "≥ " if cap.lower_bound else "~"
    servers = f"{approx}{cap.servers}" + (f" (at most {cap.servers_high})" if cap.servers_high
                                          else "")  # fmt: skip
    rows = [
        ("highest rate keeping p95 queue wait under the target", fmt.rate(cap.max_rate_for_target)),
        ("target p95 queue wait", fmt.seconds(cap.target_p95_queue_wait)),
        ("servers (parallel jobs)", servers),
        ("servers estimated from", cap.servers_from or fmt.DASH),
        ("saturation rate, predicted", fmt.rate(cap.saturation_rate_predicted)),
        ("mean service time", fmt.seconds(cap.mean_service_time)),
        ("service time variability (CV²)", fmt.number(cap.cv2_service_time)),
        ("most jobs seen running at once", fmt.count(cap.max_concurrent_running_seen)),
        ("share of the run with a standing queue", fmt.percent(cap.standing_queue_share)),
        ("throughput while saturated, measured", fmt.rate(cap.saturated_throughput_measured)),
        ("offered rate, measured", fmt.rate(cap.offered_rate_measured)),
        ("p95 queue wait, measured", fmt.seconds(cap.p95_queue_wait_measured)),
        ("p95 queue wait at that rate, predicted", fmt.seconds(cap.p95_queue_wait_predicted)),
        ("overloaded (every server busy, a queue standing)", fmt.yes_no(cap.overloaded)),
    ]
    if cap.next_rate:
        rows.append(("rate to run next, to learn more", fmt.rate(cap.next_rate)))
    if cap.saturation_rate_true is not None:
        rows.append(("saturation rate, true (emulator)", fmt.rate(cap.saturation_rate_true)))
        error = cap.prediction_error_note or fmt.signed_percent(cap.prediction_error)
        rows.append(("prediction error", error))
    return rows


def _source(name: str) -> str:
    return resources.files("harness.reports").joinpath("templates", name).read_text()


@cache
def environment() -> jinja2.Environment:
    """The reports' Jinja2 environment: the templates of `templates/` (a page includes the
    shared style sheet), the `load_format` figures as filters. The capacity report uses it too."""
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_source), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)  # fmt: skip
    for name in ("seconds", "rate", "count", "number", "percent", "signed_percent", "yes_no",
                 "when", "in_unit", "capacity_headline", "seconds_or_never",
                 "overflow_note"):  # fmt: skip
        env.filters[name] = getattr(fmt, name)
    env.globals.update(capacity_rows=capacity_rows, plots=scenario_plots, unit_of=unit_of,
                       label_of=fmt.label_of)  # fmt: skip
    return env


def render_html(report: LoadReport) -> str:
    return environment().get_template(TEMPLATE).render(report=report)


def write_html(report: LoadReport, path: Path) -> None:
    path.write_text(render_html(report), encoding="utf-8")
