"""The capacity search's HTML report: the JSON report (`capacity_search.search_report`, as the
`capacity` command completes it with its target and client-side cost) through a Jinja2
template. It shares the load report's environment (style sheet, `load_format` figures as
filters) and plot encoding, so a figure reads the same in both. Self-contained: opens offline.

It opens with the answer (the highest rate meeting the target, its bracket, what it cost
against the budgets), then every probe as a table and as a plot of rate against the measured
queue-wait quantile, with the target line.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from harness.reports import load_format as fmt
from harness.reports.capacity_console import confirmation, headline, metric_label, summary
from harness.reports.load_html import environment
from harness.reports.load_plots import png_uri

__all__ = ["CapacityPage", "Probe", "answer_rows", "page_of", "render_capacity_html",
           "search_plot", "write_capacity_html"]  # fmt: skip

TEMPLATE = "capacity_report.html.j2"
_SIZE = (9.0, 4.2)  # inches at 100 dpi: one wide plot


@dataclass(frozen=True)
class Probe:
    """One judged step of the search, as the report shows it."""

    phase: str  # bracket | bisect | confirm
    rate: float  # jobs/s offered
    jobs: int  # jobs this step submitted
    judged: int  # waits judged at this rate, pooled over its steps, warm-up excluded
    figure: float  # the quantile of the waits' midpoints
    low: float  # ... of their lower detection bounds
    high: float  # ... of their upper detection bounds
    within: float  # share of waits at or under the target
    confidence: float  # that the verdict is on the right side
    met: bool
    model: float | None  # the M/G/c prediction at this rate (None: unbounded or no model)


@dataclass(frozen=True)
class CapacityPage:
    """What the template lays out; every figure still a number, formatted by the template."""

    metric: str  # "p95 queue wait"
    target: float  # seconds
    headline: str
    summary: str  # the bracket and the cost against the budgets, in one line
    found: bool
    stopped: str
    rows: list[tuple[str, str]]  # the answer in detail: (label, figure with its unit)
    probes: list[Probe]
    plan: list[tuple[str, str]]
    base_url: str | None
    embedded: bool | None
    driver: str
    generated_at: float | None
    plot: str | None


def _probe(step: Mapping[str, Any]) -> Probe:
    low, high = step["p95_bracket"]
    return Probe(step["phase"], step["rate"], step["jobs"], step["judged"], step["p95"], low,
                 high, step["within"], step["confidence"], step["meets"],
                 step.get("model_p95"))  # fmt: skip


def answer_rows(report: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The answer and its cost as (readable label, figure with its unit)."""
    plan, cost, model = report["plan"], report["cost"], report["model"]
    metric, target = metric_label(plan["q"]), fmt.seconds(plan["target"])
    rows: list[tuple[str, str]] = []
    answer = report["answer"]
    if answer is not None:
        low, high = answer["interval"]
        missed = fmt.rate(high) if high is not None else f"{fmt.DASH} (no rate tried missed)"
        rows += [
            (f"highest rate keeping {metric} under {target}, fitted to every probe",
             fmt.rate(answer["estimate"])),
            ("highest rate measured meeting the target", fmt.rate(answer["rate"])),
            ("bracket: highest rate met, lowest missed", f"{fmt.rate(low)}, {missed}"),
            ("confirmation run", confirmation(answer["confirmed"])),
        ]  # fmt: skip
    gpu, (gpu_low, gpu_high) = cost["gpu_seconds"], cost["gpu_seconds_bounds"]
    rows += [
        ("jobs submitted (budget: --max-jobs)",
         f"{fmt.count(cost['jobs'])} of {fmt.count(plan['max_jobs'])}"),
        ("time measuring (budget: --time-budget)",
         f"{fmt.seconds(cost['seconds'])} of {fmt.seconds(plan['time_budget'])}"),
        ("GPU time used (detection bounds)",
         f"{fmt.seconds(gpu)} ({fmt.seconds(gpu_low)} to {fmt.seconds(gpu_high)})"),
        ("jobs failed, refused or never finished", fmt.count(cost["failed_or_lost"])),
    ]  # fmt: skip
    if "accepted" in cost:  # the client's own count, added by the `capacity` command
        rows += [("jobs the server accepted", fmt.count(cost["accepted"])),
                 ("queued jobs cancelled at the end", fmt.count(cost["cancelled"])),
                 ("jobs left open", fmt.count(cost["left_open"]))]  # fmt: skip
    rows += [
        ("servers seen by the probe (jobs running at once)", fmt.count(model["servers_seen"])),
        ("mean service time, probe", fmt.seconds(model["mean_service"])),
        ("highest rate for the target, M/G/c model from the probe",
         fmt.rate(model["max_rate_for_target"])),
    ]  # fmt: skip
    return rows


def _plan_rows(plan: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        ("quantile judged", f"p{plan['q'] * 100:g}"),
        ("jobs per step", fmt.count(plan["step_jobs"])),
        ("jobs of the probe (submitted at once)", fmt.count(plan["probe_jobs"])),
        ("jobs of the confirmation run", fmt.count(plan["confirm_jobs"])),
        ("warm-up jobs per step, not judged", fmt.count(plan["warmup"])),
        ("bracket steps multiply the rate by", fmt.number(plan["growth"])),
        ("bisection stops within", fmt.percent(plan["tolerance"])),
        ("confidence wanted per verdict", fmt.percent(plan["confidence"])),
        ("extensions of a step judged with less", fmt.count(plan["extensions"])),
        ("seed", fmt.count(plan["seed"])),
    ]


def search_plot(probes: Sequence[Probe], *, target: float, metric: str,
                bracket: tuple[float | None, float | None] | None,
                estimate: float | None) -> str | None:  # fmt: skip
    """Each probe's rate against its measured figure (bars: the detection bounds), met or
    missed, the model's prediction, the target line and the answer; None without probes."""
    if not probes:
        return None
    fig, ax = plt.subplots(figsize=_SIZE)
    for met, colour, marker, label in ((True, "tab:green", "o", "met"),
                                       (False, "tab:red", "X", "missed")):  # fmt: skip
        chosen = [p for p in probes if p.met == met]
        if chosen:
            below = [p.figure - p.low for p in chosen]
            above = [p.high - p.figure for p in chosen]
            ax.errorbar([p.rate for p in chosen], [p.figure for p in chosen],
                        yerr=[below, above], fmt=marker, color=colour, capsize=3,
                        label=f"measured, {label}", zorder=3)  # fmt: skip
    predicted = sorted((p.rate, p.model) for p in probes
                       if p.model is not None and math.isfinite(p.model))  # fmt: skip
    if predicted:
        ax.plot(*zip(*predicted, strict=True), ls="--", marker=".", c="tab:gray",
                label="M/G/c model (from the probe)")  # fmt: skip
    ax.axhline(target, ls="-.", c="tab:orange", label="target")
    if bracket is not None and bracket[0] is not None and bracket[1] is not None:
        ax.axvspan(bracket[0], bracket[1], color="tab:blue", alpha=0.12, label="bracket")
    if estimate is not None:
        ax.axvline(estimate, c="tab:blue", lw=1, label="answer")
    ax.set_ylim(0, 1.6 * max(target, *(p.high for p in probes)))
    ax.set_xlabel("arrival rate, jobs/s")
    ax.set_ylabel(f"{metric}, s")
    ax.set_title(f"Capacity search: {metric} against arrival rate")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return png_uri(fig)


def page_of(report: Mapping[str, Any]) -> CapacityPage:
    """The page's content from the JSON report (a file written earlier reads the same)."""
    plan, answer = report["plan"], report["answer"]
    probes = [_probe(step) for step in report["steps"]]
    target = report.get("target", {})
    bracket = None if answer is None else (answer["interval"][0], answer["interval"][1])
    estimate = None if answer is None else answer["estimate"]
    plot = search_plot(probes, target=plan["target"], metric=metric_label(plan["q"]),
                       bracket=bracket, estimate=estimate)  # fmt: skip
    return CapacityPage(
        metric=metric_label(plan["q"]), target=plan["target"], headline=headline(report),
        summary=summary(report), found=answer is not None, stopped=report["stopped"],
        rows=answer_rows(report), probes=probes, plan=_plan_rows(plan),
        base_url=target.get("base_url"), embedded=target.get("embedded"),
        driver=report["driver"], generated_at=report.get("generated_at"), plot=plot,
    )  # fmt: skip


def render_capacity_html(report: Mapping[str, Any]) -> str:
    return environment().get_template(TEMPLATE).render(page=page_of(report))


def write_capacity_html(report: Mapping[str, Any], path: Path) -> None:
    path.write_text(render_capacity_html(report), encoding="utf-8")
