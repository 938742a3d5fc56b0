"""The measured capacity search: the highest arrival rate whose p95 queue wait meets a target.

A short probe (a burst: every server busy at once, and service times) seeds the model's
guess; then arrival rates are stepped up or down from it until one step meets the target and
one misses, and bisected until the two are within `tolerance`; a confirmation run at the
answer ends it. Every step is judged with a stated confidence. `--max-jobs` and a time budget
cap it; what was measured when either runs out (or on Ctrl-C) is still the report.

The search never talks to a server itself: it calls `measure(rate, jobs, seed)`, so the same
logic runs against the live API (`open_loop.measure_batch`) and, in tests, a simulated fleet.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from statistics import NormalDist
from typing import Any

from harness.load.measure.capacity import Predictor
from harness.load.measure.intervals import Interval
from harness.load.measure.saturation import Span, gather

__all__ = [
    "REPORT_VERSION",
    "Batch",
    "SearchPlan",
    "SearchState",
    "Step",
    "crossing",
    "judge",
    "search",
    "search_report",
]

REPORT_VERSION = 1


@dataclass
class Batch:
    """What one open-loop run at a rate saw: every accepted job's intervals, and the rest."""

    rate: float
    spans: list[Span]
    run_times: list[float]  # completed jobs' run-time point values
    submitted: int
    failed: int = 0  # refused, failed or never finished
    seconds: float = 0.0


def _waits(batch: Batch, warmup: int) -> list[Interval]:
    ordered = sorted(batch.spans, key=lambda s: s.created.lower)[warmup:]
    return [s.started.minus(s.created) for s in ordered if s.started is not None]


@dataclass(frozen=True)
class Step:
    rate: float
    jobs: int
    judged: int  # waits judged (after the warm-up jobs)
    p95: float  # of the waits' point values
    p95_bracket: tuple[float, float]  # of their lower and upper ends
    within: float  # share of waits at or under the target (point values)
    confidence: float  # that the true share is on the side the verdict says
    meets: bool
    phase: str  # probe | bracket | bisect | confirm
    model_p95: float | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["p95_bracket"] = list(self.p95_bracket)
        if self.model_p95 is not None and math.isinf(self.model_p95):
            data["model_p95"] = None
        return data


def judge(waits: Sequence[Interval], target: float, q: float = 0.95) -> tuple[float, bool, float]:
    """(share within target, meets, confidence).

    The target is met when at least a share `q` of waits is at or under it (the q-quantile
    is then at or under it too). Confidence that the true share is on the verdict's side:
    a normal approximation to the binomial, as if the waits were independent (a queue's
    waits are positively correlated, so this overstates it a little)."""
    if not waits:
        raise ValueError("no waits to judge")
    n = len(waits)
    share = sum(1 for w in waits if w.point <= target) / n
    meets = share >= q
    z = (share - q) / math.sqrt(q * (1 - q) / n)
    return share, meets, NormalDist().cdf(abs(z))


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass(frozen=True)
class SearchPlan:
    target: float  # p95 queue wait, seconds
    q: float = 0.95
    max_jobs: int = 1500
    time_budget: float = 600.0  # seconds of wall-clock for the whole search
    step_jobs: int = 80
    probe_jobs: int = 16
    confirm_jobs: int = 160
    tolerance: float = 0.05  # stop bisecting when (high - low) / low is under this
    warmup: int = 8  # a step's first jobs meet an empty queue: not judged
    growth: float = 1.5  # bracket steps multiply or divide the rate by this
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.target > 0 or not 0 < self.q < 1:
            raise ValueError("the target must be > 0 and the quantile in (0, 1)")
        if self.step_jobs <= self.warmup or self.probe_jobs < 2 or self.confirm_jobs < 1:
            raise ValueError("a step needs more jobs than its warm-up")
        if self.max_jobs < self.probe_jobs + self.step_jobs:
            raise ValueError(
                f"--max-jobs {self.max_jobs} is too few: a probe and one step need "
                f"{self.probe_jobs + self.step_jobs}"
            )
        if not self.growth > 1 or not 0 < self.tolerance < 1:
            raise ValueError("growth must be > 1 and tolerance in (0, 1)")


@dataclass
class SearchState:
    """Everything measured so far: the report is built from this, even after Ctrl-C."""

    plan: SearchPlan
    steps: list[Step] = field(default_factory=list)
    batches: list[Batch] = field(default_factory=list)
    servers: int | None = None
    mean_service: float | None = None
    model_rate: float | None = None
    low: float | None = None  # highest rate seen meeting the target
    high: float | None = None  # lowest rate seen missing it
    stopped: str = ""
    confirmed: bool | None = None

    @property
    def jobs(self) -> int:
        return sum(b.submitted for b in self.batches)

    @property
    def seconds(self) -> float:
        """Time the batches took (on the measuring side's clock: wall or virtual)."""
        return sum(b.seconds for b in self.batches)

    @property
    def gpu_seconds(self) -> float:
        return sum(sum(b.run_times) for b in self.batches)

    def fits(self, jobs: int, rate: float) -> bool:
        """Would a batch of `jobs` at `rate` stay inside both budgets (drain included)?"""
        if self.jobs + jobs > self.plan.max_jobs:
            self.stopped = f"--max-jobs {self.plan.max_jobs} would be exceeded"
            return False
        drain = 3 * (self.mean_service or 0.0) + 1.0
        if self.seconds + jobs / rate + drain > self.plan.time_budget:
            self.stopped = f"the time budget ({self.plan.time_budget:g}s) would be exceeded"
            return False
        return True


Measure = Callable[[float, int, int], Awaitable[Batch]]
PredictorFor = Callable[[Sequence[float]], Predictor]


async def _step(
    state: SearchState, measure: Measure, rate: float, jobs: int, *, phase: str,
    predictor: Predictor | None,
) -> Step:  # fmt: skip
    plan = state.plan
    batch = await measure(rate, jobs, plan.seed + len(state.batches))
    state.batches.append(batch)
    waits = _waits(batch, plan.warmup)
    if not waits:
        raise RuntimeError(f"no job started at {rate:.3g} jobs/s: nothing to judge")
    share, meets, confidence = judge(waits, plan.target, plan.q)
    model = None
    if predictor is not None and state.servers:
        model = predictor.wait_quantile(state.servers, rate, plan.q)
    step = Step(
        rate, batch.submitted, len(waits), _quantile([w.point for w in waits], plan.q),
        (_quantile([w.lower for w in waits], plan.q), _quantile([w.upper for w in waits], plan.q)),
        share, confidence, meets, phase, model,
    )  # fmt: skip
    state.steps.append(step)
    if meets and (state.low is None or rate > state.low):
        state.low = rate
    if not meets and (state.high is None or rate < state.high):
        state.high = rate
    return step


async def _probe(state: SearchState, measure: Measure, predictor_for: PredictorFor) -> Predictor:
    """A burst of jobs at once: the servers all busy, so the concurrency seen is the count."""
    plan = state.plan
    batch = await measure(math.inf, plan.probe_jobs, plan.seed)
    state.batches.append(batch)
    if len(batch.run_times) < 2:
        raise RuntimeError("the probe finished fewer than 2 jobs: no service time to go on")
    evidence = gather(batch.spans)
    state.servers = max(1, evidence.servers_low)
    state.mean_service = sum(batch.run_times) / len(batch.run_times)
    predictor = predictor_for(batch.run_times)
    state.model_rate = predictor.max_rate(state.servers, plan.target, plan.q)
    return predictor


def _next_rate(state: SearchState) -> float | None:
    low, high, plan = state.low, state.high, state.plan
    if low is not None and high is not None:
        if high <= low:  # noise: a lower rate missed where a higher one met
            return None
        if (high - low) / low < plan.tolerance:
            return None
        return (low + high) / 2
    if low is not None:
        return low * plan.growth
    assert high is not None
    return high / plan.growth


async def search(plan: SearchPlan, measure: Measure, predictor_for: PredictorFor) -> SearchState:
    """Run the search, recording everything in the returned state (also on the way out)."""
    state = SearchState(plan)
    await run_search(state, measure, predictor_for)
    return state


async def run_search(state: SearchState, measure: Measure, predictor_for: PredictorFor) -> None:
    plan = state.plan
    predictor = await _probe(state, measure, predictor_for)
    assert state.mean_service is not None
    assert state.servers is not None
    rate: float | None = state.model_rate or 0.5 * state.servers / state.mean_service
    while True:
        if rate is not None:
            if not state.fits(plan.step_jobs, rate):
                return
            phase = "bisect" if state.low is not None and state.high is not None else "bracket"
            await _step(state, measure, rate, plan.step_jobs, phase=phase, predictor=predictor)
            rate = _next_rate(state)
            continue
        if state.low is None or not state.fits(plan.confirm_jobs, state.low):
            state.stopped = state.stopped or "no rate met the target"
            return
        confirm = await _step(
            state, measure, state.low, plan.confirm_jobs, phase="confirm", predictor=predictor
        )
        state.confirmed = _pooled_meets(state, state.low)
        if state.confirmed:
            state.stopped = "bracketed within the tolerance and confirmed"
            return
        # the larger sample says no: that rate is now the lowest miss, and the search goes on
        state.high = state.low
        met = [s.rate for s in state.steps if s.meets and s.rate < confirm.rate]
        state.low = max(met, default=None)
        rate = _next_rate(state)


def _pooled_meets(state: SearchState, rate: float) -> bool:
    """Every job measured at `rate` judged together (a step and its confirmation)."""
    waits = [w for b in state.batches if b.rate == rate for w in _waits(b, state.plan.warmup)]
    return judge(waits, state.plan.target, state.plan.q)[1]


def crossing(state: SearchState) -> float | None:
    """Where the chance a wait exceeds the target reaches 1 - q, from every judged job of
    every step at once: a logistic fit of exceedance on log(rate) (grouped by step), so the
    estimate rests on all the jobs, not on the two steps either side of the answer."""
    groups = [(math.log(s.rate), s.judged, (1 - s.within) * s.judged) for s in state.steps]
    if len({g[0] for g in groups}) < 2 or not any(0 < k < n for _, n, k in groups):
        return None
    a, b = 0.0, 0.0
    for _ in range(50):  # Newton's method on the binomial log-likelihood
        ga = gb = haa = hab = hbb = 0.0
        for x, n, k in groups:
            p = 1 / (1 + math.exp(-(a + b * x)))
            w = n * p * (1 - p)
            ga, gb = ga + k - n * p, gb + (k - n * p) * x
            haa, hab, hbb = haa + w, hab + w * x, hbb + w * x * x
        det = haa * hbb - hab * hab
        if det <= 1e-12:
            return None
        da, db = (hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det
        a, b = a + da, b + db
        if abs(da) + abs(db) < 1e-10:
            break
    if not b > 0:  # waits must grow with the rate
        return None
    tail = 1 - state.plan.q
    rate = math.exp((math.log(tail / (1 - tail)) - a) / b)
    rates = [s.rate for s in state.steps]
    return rate if min(rates) / 2 <= rate <= 2 * max(rates) else None


def search_report(state: SearchState, *, driver: str) -> dict[str, Any]:
    plan = state.plan
    answer = None
    if state.low is not None:
        answer = {
            "rate": state.low,  # the highest rate measured meeting the target
            "estimate": crossing(state),  # where the target is crossed, fitted to every step
            "interval": [state.low, state.high],  # the highest met, the lowest missed
            "confirmed": state.confirmed,
        }
    return {
        "report": "chronoedit-harness capacity",
        "version": REPORT_VERSION,
        "generated_at": time.time(),
        "driver": driver,
        "plan": asdict(plan),
        "answer": answer,
        "model": {
            "servers_seen": state.servers,
            "mean_service": state.mean_service,
            "max_rate_for_target": state.model_rate,
        },
        "steps": [s.to_dict() for s in state.steps],
        "cost": {
            "jobs": state.jobs,
            "gpu_seconds": state.gpu_seconds,
            "seconds": state.seconds,
            "failed_or_lost": sum(b.failed for b in state.batches),
        },
        "stopped": state.stopped,
    }
