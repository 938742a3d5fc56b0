"""Figures as people read them: rounded, with their unit, never a Python repr.

Shared by the load report's console, CSV and HTML writers (the HTML template uses them as
Jinja2 filters).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from harness.load.measure.histograms import overflow_limit
from harness.load.measure.metrics import METRICS
from harness.load.run.report_model import CapacityAnswer, CapacityEstimate, MetricSummary

__all__ = [
    "DASH",
    "capacity_headline",
    "capacity_line",
    "count",
    "in_unit",
    "label_of",
    "number",
    "overflow_note",
    "percent",
    "rate",
    "seconds",
    "seconds_or_never",
    "signed_percent",
    "when",
    "yes_no",
]  # fmt: skip

DASH = "\u2013"  # an en dash, shown for a figure that was not measured


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and not math.isfinite(value))


def number(value: float | None, digits: int = 3) -> str:
    """`digits` significant digits, no exponent for everyday magnitudes."""
    if value is None or _missing(value):
        return DASH
    if abs(value) >= 10 ** (digits - 1):  # whole numbers keep every digit: 1,235 not 1,230
        return f"{round(value):,}"
    value = float(f"{value:.{digits}g}")  # round first: 99.99 is 100, not 100.0
    if value == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(value)))
    decimals = max(0, digits - 1 - magnitude)
    return f"{value:,.{decimals}f}"


def seconds(value: float | None) -> str:
    """A duration in the unit that reads best: µs, ms, s, min, h."""
    if value is None or _missing(value):
        return DASH
    size = abs(float(f"{value:.3g}"))  # the unit of the figure as shown: 0.99999 s is 1.00 s
    if size == 0:
        return "0 s"
    if size < 1e-3:
        return f"{number(value * 1e6)} µs"
    if size < 1:
        return f"{number(value * 1e3)} ms"
    if size < 120:
        return f"{number(value)} s"
    if size < 7200:
        return f"{number(value / 60)} min"
    return f"{number(value / 3600)} h"


def seconds_or_never(value: float | None) -> str:
    """A percentile that falls on a failed or lost job: it never came."""
    return "never" if value is None else seconds(value)


def label_of(metric: str) -> str:
    """A metric's readable label (`queue_wait` -> "queue wait")."""
    known = METRICS.get(metric)
    return known.label if known else metric.replace("_", " ")


def rate(value: float | None) -> str:
    return DASH if value is None or _missing(value) else f"{number(value)} jobs/s"


def count(value: float | None) -> str:
    if value is None or _missing(value):
        return DASH
    return f"{value:,.0f}" if float(value).is_integer() else number(value)


def percent(value: float | None) -> str:
    return DASH if value is None or _missing(value) else f"{value:.0%}"


def signed_percent(value: float | None) -> str:
    return DASH if value is None or _missing(value) else f"{value:+.1%}"


def yes_no(value: bool | None) -> str:
    return DASH if value is None else ("yes" if value else "no")


def when(epoch: float | None) -> str:
    if not epoch:
        return DASH
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def in_unit(value: float | None, unit: str) -> str:
    """A metric's figure by its unit ("s" or "count")."""
    return seconds(value) if unit == "s" else count(value)


def capacity_headline(answer: CapacityAnswer) -> str:
    """The capacity planner's answer in one sentence."""
    if not answer.available:
        return f"not estimated: {answer.reason}"
    target = seconds(answer.target_p95_queue_wait)
    if answer.lower_bound:
        return (
            f"at least ~{rate(answer.max_rate)} keeps p95 queue wait under {target} "
            f"(a lower bound: the run never saturated the server)"
        )
    return f"{rate(answer.max_rate)} is the highest rate that keeps p95 queue wait under {target}"


def capacity_line(cap: CapacityEstimate) -> str:
    """The capacity estimate in one line, honest about lower bounds."""
    if not cap.available:
        return f"capacity: not estimated ({cap.reason})"
    target = f"max rate for p95 wait <= {seconds(cap.target_p95_queue_wait)}"
    if cap.lower_bound:
        line = (
            f"capacity: servers >= {cap.servers} ({cap.note or 'a lower bound'}); saturation at "
            f"least ~{rate(cap.saturation_rate_predicted)}; {target}: at least "
            f"~{rate(cap.max_rate_for_target)}"
        )
        if cap.next_rate:
            line += f"; run next at {rate(cap.next_rate)} to learn more"
    else:
        line = (
            f"capacity: ~{cap.servers} servers, saturation ~{rate(cap.saturation_rate_predicted)}"
            f"; {target}: {rate(cap.max_rate_for_target)}"
        )
    if cap.saturation_rate_true is not None:
        shown = cap.prediction_error_note or f"error {signed_percent(cap.prediction_error)}"
        line += f" (true saturation {rate(cap.saturation_rate_true)}; {shown})"
    return line


def overflow_note(metric: MetricSummary) -> str:
    """Empty, or how many of a metric's values were over the histograms' range (counted, not
    dropped; a figure that falls on them reads as the limit)."""
    if not metric.overflow:
        return ""
    limit = overflow_limit(metric.unit)
    shown = in_unit(limit, metric.unit)
    values = "value was" if metric.overflow == 1 else "values were"
    return (f"{metric.label}: {count(metric.overflow)} {values} over {shown}, the histograms' "
            f"range; counted, and a figure that falls on them reads {shown}")  # fmt: skip
