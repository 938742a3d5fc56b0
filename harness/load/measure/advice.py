"""Poll-interval advice from measured (polls per job, detection delay) pairs, per policy.

The trade (docs/metrics.md): a fixed interval T over a run of length R costs about R/T polls and
T/2 of detection delay. The advice picks from what was measured, and shows the formula's
prediction for the common defaults beside it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "COMMON_DEFAULTS",
    "Advice",
    "PolicyPoint",
    "PredictedPolicy",
    "advise",
    "predict_backoff",
    "predict_fixed",
]


@dataclass(frozen=True)
class PolicyPoint:
    policy: str
    jobs: int
    polls_per_job: float  # mean
    detection_delay: float  # mean point value (half the finish interval)
    detection_bound: float  # mean width of the finish interval
    mean_end_to_end: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def predict_fixed(interval: float, job_seconds: float) -> tuple[float, float]:
    """(polls per job, mean detection delay) for a fixed interval over a job of `job_seconds`."""
    return max(1.0, job_seconds / interval), interval / 2


def predict_backoff(
    initial: float, factor: float, cap: float, job_seconds: float
) -> tuple[float, float]:
    """Same for a capped geometric backoff: walk the poll times until one passes the end."""
    t, delay, polls = 0.0, initial, 0
    while True:
        t += delay
        polls += 1
        if t >= job_seconds:
            return float(polls), delay / 2
        delay = min(cap, delay * factor)


COMMON_DEFAULTS = {
    "fixed 1s": ("fixed", (1.0,)),
    "backoff 5s x1.5 cap 45s": ("backoff", (5, 1.5, 45)),
}


@dataclass(frozen=True)
class PredictedPolicy:
    """A common default, by the formula (never measured here)."""

    policy: str
    polls_per_job: float
    detection_delay: float  # s


@dataclass(frozen=True)
class Advice:
    recommended: str | None  # a measured policy, or None when none finished a job
    reason: str
    typical_job_seconds: float = 0.0
    delay_budget: float = 0.0  # s
    formula_interval: float = 0.0  # s, the fixed interval the formula suggests
    formula_polls_per_job: float = 0.0
    points: list[PolicyPoint] = field(default_factory=list)
    common_defaults: list[PredictedPolicy] = field(default_factory=list)


def advise(points: list[PolicyPoint], *, delay_share: float = 0.1) -> Advice:
    """The measured policy with the fewest polls per job whose mean detection delay stays
    within `delay_share` of a typical job's end-to-end time (else the quickest to notice)."""
    usable = [p for p in points if p.jobs > 0]
    if not usable:
        return Advice(None, "no policy finished a job")
    typical = sorted(p.mean_end_to_end for p in usable)[len(usable) // 2] or 1.0
    budget = delay_share * typical
    within = [p for p in usable if p.detection_delay <= budget]
    if within:
        best = min(within, key=lambda p: p.polls_per_job)
    else:
        best = min(usable, key=lambda p: p.detection_delay)
    defaults = []
    for name, (kind, args) in COMMON_DEFAULTS.items():
        if kind == "fixed":
            polls, delay = predict_fixed(args[0], typical)
        else:
            polls, delay = predict_backoff(args[0], args[1], args[2], typical)
        defaults.append(PredictedPolicy(name, polls, delay))
    interval = 2 * budget  # fixed T costs ~T/2 of delay
    return Advice(
        recommended=best.policy,
        reason=(
            f"jobs take ~{typical:.2f} s end to end at this load; {best.policy} measured "
            f"{best.polls_per_job:.1f} polls/job for {best.detection_delay:.3f} s mean "
            f"detection delay (budget {budget:.3f} s = {delay_share:.0%} of a job)"
        ),
        typical_job_seconds=typical,
        delay_budget=budget,
        formula_interval=interval,
        formula_polls_per_job=predict_fixed(interval, typical)[0],
        points=usable,
        common_defaults=defaults,
    )
