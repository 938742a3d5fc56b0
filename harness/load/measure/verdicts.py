"""SLO verdicts a CI can trust: PASS, FAIL or INCONCLUSIVE, with the counts behind them.

A percentile gate such as `queue_wait.p95<30s` is a claim about a share: at most 5% of jobs
may miss 30 s. A client knows each job's figure only as a detection interval, so each job is
*under* (its whole interval meets the target), *over* (its whole interval misses it) or
*undecided* (the target lies inside its interval).

The rule (one-sided exact binomial tests at `confidence`, like MLPerf loadgen's early stopping,
with the share allowed to miss `a` = 1 - 0.95 for a p95 gate):
- PASS when, were the true miss share `a`, seeing as few as over + undecided misses would
  happen with probability <= 1 - confidence. Undecided jobs count as misses: they cannot help
  a gate pass.
- FAIL when, were the true miss share `a`, seeing as many as `over` misses would happen with
  probability <= 1 - confidence. Only decided misses count: a wide interval never fails a
  server by itself.
- otherwise INCONCLUSIVE, with the smallest number of further all-under jobs that would pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from harness.load.measure.binomial import binomial_cdf, binomial_sf

__all__ = [
    "DEFAULT_CONFIDENCE",
    "ShareVerdict",
    "Side",
    "Tally",
    "Verdict",
    "allowed_miss_share",
    "classify",
    "judge_share",
    "more_jobs_to_pass",
    "tally",
]

DEFAULT_CONFIDENCE = 0.99


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"


class Side(StrEnum):
    UNDER = "under"  # the whole interval meets the target
    OVER = "over"  # the whole interval misses it
    UNDECIDED = "undecided"


def classify(lower: float, upper: float, holds: Callable[[float], bool]) -> Side:
    """Where a job's interval [lower, upper] lies against a threshold test `holds`.

    `holds` is a one-sided comparison (value < X, <= X, > X or >= X), so it holds on the whole
    interval exactly when it holds at both ends.
    """
    at_lower, at_upper = holds(lower), holds(upper)
    if at_lower and at_upper:
        return Side.UNDER
    if not at_lower and not at_upper:
        return Side.OVER
    return Side.UNDECIDED


@dataclass(frozen=True)
class Tally:
    under: int = 0
    over: int = 0
    undecided: int = 0

    @property
    def jobs(self) -> int:
        return self.under + self.over + self.undecided

    def to_dict(self) -> dict[str, int]:
        return {"jobs": self.jobs, "under": self.under, "over": self.over,
                "undecided": self.undecided}  # fmt: skip


def tally(intervals: Iterable[tuple[float, float]], holds: Callable[[float], bool]) -> Tally:
    sides = [classify(lo, hi, holds) for lo, hi in intervals]
    return Tally(sides.count(Side.UNDER), sides.count(Side.OVER), sides.count(Side.UNDECIDED))


def allowed_miss_share(percentile: float, upper_gate: bool) -> float:
    """The share of jobs that may miss: 1 - 0.95 for `p95 < X`; 0.95 for `p95 > X`."""
    if not 0.0 < percentile < 100.0:
        raise ValueError(f"percentile must be in (0, 100), got {percentile}")
    return (100.0 - percentile) / 100.0 if upper_gate else percentile / 100.0


def _check_confidence(confidence: float) -> None:
    if not 0.5 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0.5, 1), got {confidence}")


def more_jobs_to_pass(misses: int, jobs: int, allowed: float, confidence: float) -> int:
    """The fewest extra jobs, all under, after which `misses` of the total would PASS (0: now)."""
    _check_confidence(confidence)
    alpha = 1.0 - confidence

    def passes(extra: int) -> bool:
        return binomial_cdf(misses, jobs + extra, allowed) <= alpha

    if passes(0):
        return 0
    low, high = 0, 1  # passes(low) is False, passes(high) unknown
    while not passes(high):  # the tail shrinks as jobs grow, so doubling must end
        low, high = high, high * 2
    while high - low > 1:
        mid = (low + high) // 2
        if passes(mid):
            high = mid
        else:
            low = mid
    return high


@dataclass(frozen=True)
class ShareVerdict:
    verdict: Verdict
    tally: Tally
    allowed: float  # the share of jobs allowed to miss
    confidence: float
    p_pass: float  # P(misses <= over + undecided | true share = allowed)
    p_fail: float  # P(misses >= over | true share = allowed)
    more_jobs: int | None  # INCONCLUSIVE: extra all-under jobs that would pass

    def explain(self) -> str:
        t = self.tally
        counts = (
            f"{t.jobs} jobs: {t.under} under, {t.over} over, {t.undecided} undecided; "
            f"at most {self.allowed:.4g} may miss, at {self.confidence:.4g} confidence"
        )
        if self.verdict is Verdict.PASS:
            return f"{counts}; pass: so few misses has chance {self.p_pass:.3g}"
        if self.verdict is Verdict.FAIL:
            return f"{counts}; fail: so many misses has chance {self.p_fail:.3g}"
        hint = f"; run at least {self.more_jobs} more jobs"
        if t.undecided:
            hint += " (or poll more often: undecided jobs count as misses)"
        return f"{counts}; inconclusive{hint}"

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, **self.tally.to_dict(), "allowed": self.allowed,
                "confidence": self.confidence, "p_pass": self.p_pass, "p_fail": self.p_fail,
                "more_jobs": self.more_jobs, "explanation": self.explain()}  # fmt: skip


def judge_share(
    counts: Tally, allowed: float, confidence: float = DEFAULT_CONFIDENCE
) -> ShareVerdict:
    """The verdict on "at most `allowed` of jobs miss", from one run's tally."""
    _check_confidence(confidence)
    if not 0.0 < allowed < 1.0:
        raise ValueError(f"allowed share must be in (0, 1), got {allowed}")
    alpha = 1.0 - confidence
    misses = counts.over + counts.undecided
    p_pass = binomial_cdf(misses, counts.jobs, allowed)
    p_fail = binomial_sf(counts.over, counts.jobs, allowed)
    if p_pass <= alpha:
        return ShareVerdict(Verdict.PASS, counts, allowed, confidence, p_pass, p_fail, None)
    if p_fail <= alpha:
        return ShareVerdict(Verdict.FAIL, counts, allowed, confidence, p_pass, p_fail, None)
    more = more_jobs_to_pass(misses, counts.jobs, allowed, confidence)
    return ShareVerdict(Verdict.INCONCLUSIVE, counts, allowed, confidence, p_pass, p_fail, more)
