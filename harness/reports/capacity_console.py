"""The capacity search on the console: each step as it was judged, then the answer in the words
the HTML page opens with (`headline`, `summary`), figures formatted by `load_format`."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any, TextIO

from harness.reports import load_format as fmt

__all__ = ["confirmation", "headline", "metric_label", "print_summary", "step_line", "summary"]


def metric_label(q: float) -> str:
    return f"p{q * 100:g} queue wait"


def headline(report: Mapping[str, Any]) -> str:
    """The answer in one sentence, honest about a rate nothing bounded from above."""
    plan, answer = report["plan"], report["answer"]
    goal = f"keeps {metric_label(plan['q'])} under {fmt.seconds(plan['target'])}"
    if answer is None:
        return f"No rate found that {goal}"
    if answer["interval"][1] is None:  # the measured rate, not the fit: nothing bounds it above
        return (f"at least {fmt.rate(answer['rate'])} {goal} "
                f"(a lower bound: no rate tried missed the target)")  # fmt: skip
    return f"~{fmt.rate(answer['estimate'])} is the highest rate that {goal}"


def summary(report: Mapping[str, Any]) -> str:
    """The bracket, the confirmation and the cost against the budgets, in one line."""
    plan, cost, answer = report["plan"], report["cost"], report["answer"]
    parts = []
    if answer is not None:
        low, high = answer["interval"]
        missed = f"missed at {fmt.rate(high)}" if high is not None else "no rate tried missed"
        parts.append(f"met at {fmt.rate(low)}, {missed}")
        parts.append(confirmation(answer["confirmed"]))
    parts.append(f"{fmt.count(cost['jobs'])} jobs of a budget of {fmt.count(plan['max_jobs'])}")
    parts.append(f"{fmt.seconds(cost['seconds'])} of {fmt.seconds(plan['time_budget'])} allowed")
    return " · ".join(parts)


def confirmation(confirmed: bool | None) -> str:
    """What the confirmation run said (it runs at the highest rate that had met)."""
    if confirmed is None:
        return "no confirmation run"
    if confirmed:
        return "confirmed by a longer run"
    return "not confirmed: a longer run missed at a rate that had met"


def step_line(step: Mapping[str, Any], metric: str) -> str:
    """One judged step: its rate, figure with bounds, share within the target, verdict."""
    low, high = step["p95_bracket"]
    verdict = "met" if step["meets"] else "missed"
    judged = f"confidence {fmt.percent(step['confidence'])}, {fmt.count(step['jobs'])} jobs"
    return (f"{step['phase']:8s} {fmt.rate(step['rate']):>14s}: {metric} "
            f"{fmt.seconds(step['p95'])} ({fmt.seconds(low)} to {fmt.seconds(high)}), "
            f"{fmt.percent(step['within'])} within target: {verdict} ({judged})")  # fmt: skip


def print_summary(report: Mapping[str, Any], out: TextIO | None = None) -> None:
    out = out or sys.stdout
    metric = metric_label(report["plan"]["q"])
    for step in report["steps"]:
        print(f"  {step_line(step, metric)}", file=out)
    print(f"capacity: {headline(report)}", file=out)
    print(f"capacity: {summary(report)}; stopped: {report['stopped'] or 'not started'}", file=out)
    model, cost = report["model"], report["cost"]
    if model["max_rate_for_target"] is not None:
        print(f"capacity: the M/G/c model ({fmt.count(model['servers_seen'])} servers seen, "
              f"{fmt.seconds(model['mean_service'])} mean service) predicted "
              f"{fmt.rate(model['max_rate_for_target'])}", file=out)  # fmt: skip
    low, high = cost["gpu_seconds_bounds"]
    accepted = (f"{fmt.count(cost['accepted'])} accepted, {fmt.count(cost['cancelled'])} "
                f"cancelled, " if "accepted" in cost else "")  # fmt: skip
    print(f"capacity: cost {accepted}{fmt.seconds(cost['gpu_seconds'])} of GPU time "
          f"({fmt.seconds(low)} to {fmt.seconds(high)})", file=out)  # fmt: skip
