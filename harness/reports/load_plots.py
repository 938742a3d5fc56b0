"""Every plot of the load report, in one place: matplotlib (Agg) figures inlined as PNG data
URIs, so the HTML opens offline. Each returns None when there is nothing to draw."""

from __future__ import annotations

import base64
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from harness.load.run.report_model import ScenarioReport

__all__ = ["png_uri", "scenario_plots"]

_SIZE = (6.4, 3.4)  # inches at 100 dpi: two plots side by side on a laptop screen


def png_uri(fig: Any) -> str:
    """A figure as an inline PNG data URI, the figure closed (the capacity report uses it too)."""
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=100)
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def _latency(section: ScenarioReport) -> str | None:
    curves = {}
    for name in ("queue_wait", "run_time", "end_to_end"):
        values = sorted(iv.point for r in section.jobs if (iv := r.interval(name)) is not None)
        if values:
            curves[name] = values
    if not curves:
        return None
    fig, ax = plt.subplots(figsize=_SIZE)
    for name, values in curves.items():
        shares = [(i + 1) / len(values) for i in range(len(values))]
        ax.step(values, shares, where="post", label=name.replace("_", " "))
    ax.set_xlabel("seconds (interval midpoints)")
    ax.set_ylabel("share of jobs")
    ax.set_title("Latency distribution (CDF)")
    ax.grid(alpha=0.3)
    ax.legend()
    return png_uri(fig)


def _timeline(section: ScenarioReport) -> str | None:
    tl = section.timeline
    if not tl.t:
        return None
    fig, ax = plt.subplots(figsize=_SIZE)
    ax.plot(tl.t, tl.queued, label="queued")
    ax.plot(tl.t, tl.running, label="running")
    ax2 = ax.twinx()
    ax2.plot(tl.t, tl.completions_per_s, "g--", label="completions/s")
    ax2.plot(tl.t, tl.submits_per_s, "k:", label="submits/s")
    ax.set_xlabel("seconds since the first submit")
    ax.set_ylabel("jobs")
    ax2.set_ylabel("jobs/s")
    ax.set_title("Queue depth and throughput")
    ax.legend(loc="upper left")
    ax2.legend(loc="upper right")
    return png_uri(fig)


def _capacity(section: ScenarioReport) -> str | None:
    cap = section.capacity
    if not cap.available or not cap.curve:
        return None
    fig, ax = plt.subplots(figsize=_SIZE)
    ax.plot([p.rate for p in cap.curve], [p.p95_queue_wait for p in cap.curve],
            label="predicted p95 queue wait (M/G/c)")  # fmt: skip
    ax.axhline(cap.target_p95_queue_wait, ls="-.", c="tab:orange", label="target")
    if cap.max_rate_for_target:
        ax.axvline(cap.max_rate_for_target, ls="-.", c="tab:orange", alpha=0.6)
    if cap.offered_rate_measured and cap.p95_queue_wait_measured is not None:
        ax.scatter([cap.offered_rate_measured], [cap.p95_queue_wait_measured], c="r",
                   zorder=3, label="measured")  # fmt: skip
    if cap.saturation_rate_predicted:
        ax.axvline(cap.saturation_rate_predicted, ls="--", c="k", label="predicted saturation")
    if cap.saturation_rate_true:
        ax.axvline(cap.saturation_rate_true, ls=":", c="g", label="true saturation")
    # Near saturation the curve goes to infinity: show the region around the target.
    seen = [cap.target_p95_queue_wait, cap.p95_queue_wait_measured or 0.0]
    ax.set_ylim(0, 3 * max(seen))
    ax.set_xlabel("arrival rate, jobs/s")
    ax.set_ylabel("p95 queue wait, s")
    ax.set_title("Capacity: queue wait against arrival rate")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return png_uri(fig)


def _policies(section: ScenarioReport) -> str | None:
    if section.advice is None or not section.advice.points:
        return None
    fig, ax = plt.subplots(figsize=_SIZE)
    for point in section.advice.points:
        ax.scatter(point.polls_per_job, point.detection_delay, label=point.policy)
    ax.set_xlabel("polls per job (mean)")
    ax.set_ylabel("detection delay, s (mean)")
    ax.set_title("Poll policies: cost against detection delay")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return png_uri(fig)


def _cancel(section: ScenarioReport) -> str | None:
    if section.cancel is None or not section.cancel.outcomes:
        return None
    rows = sorted({f"{o.moment} (seen {o.state_seen})" for o in section.cancel.outcomes})
    finals = sorted({o.bucket for o in section.cancel.outcomes})
    fig, ax = plt.subplots(figsize=_SIZE)
    left = [0] * len(rows)
    for final in finals:
        widths = [sum(o.jobs for o in section.cancel.outcomes
                      if o.bucket == final and f"{o.moment} (seen {o.state_seen})" == row)
                  for row in rows]  # fmt: skip
        ax.barh(rows, widths, left=left, label=final)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    ax.set_xlabel("jobs")
    ax.set_title("Cancel: where each job ended, by moment")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8)
    return png_uri(fig)


def scenario_plots(section: ScenarioReport) -> list[tuple[str, str]]:
    """(alt text, data URI) of every plot this scenario has data for."""
    makers = (("latency distribution", _latency), ("queue depth and throughput", _timeline),
              ("capacity curve", _capacity), ("poll policies", _policies),
              ("cancel outcomes", _cancel))  # fmt: skip
    return [(alt, uri) for alt, make in makers if (uri := make(section)) is not None]
