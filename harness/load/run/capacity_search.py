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
    runs: list[Interval]  # completed jobs' run times, as the polls bound them
    submitted: int
    failed: int = 0  # refused, failed or never finished
    seconds: float = 0.0

    @property
    def run_times(self) -> list[float]:
        return [r.point for r in self.runs]


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
    confidence: float = 0.9  # a step judged with less is extended (more jobs, pooled)...
    extensions: int = 2  # ...at most this many times
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
    def gpu_seconds(self) -> tuple[float, float, float]:
        """GPU time the search cost: (point, lower, upper) over the completed jobs."""
        runs = [r for b in self.batches for r in b.runs]
        return (sum(r.point for r in runs), sum(r.lower for r in runs), sum(r.upper for r in runs))

    def fits(self, jobs: int, rate: float) -> str:
        """Why a batch of `jobs` at `rate` would break a budget (drain included); "" if not."""
        if self.jobs + jobs > self.plan.max_jobs:
            return f"--max-jobs {self.plan.max_jobs} would be exceeded"
        drain = 3 * (self.mean_service or 0.0) + 1.0
        if self.seconds + jobs / rate + drain > self.plan.time_budget:
            return f"the time budget ({self.plan.time_budget:g}s) would be exceeded"
        return ""

    def waits_at(self, rate: float) -> list[Interval]:
        """Every judged wait measured at `rate`, over all its batches."""
        return [w for b in self.batches if b.rate == rate for w in _waits(b, self.plan.warmup)]

    def latest(self) -> dict[float, Step]:
        """Each rate's latest step: its verdict pools every batch at that rate."""
        return {s.rate: s for s in self.steps}

    def rebound(self) -> None:
        verdicts = self.latest().values()
        self.low = max((s.rate for s in verdicts if s.meets), default=None)
        self.high = min((s.rate for s in verdicts if not s.meets), default=None)


Measure = Callable[[float, int, int], Awaitable[Batch]]
PredictorFor = Callable[[Sequence[float]], Predictor]


async def _step(
    state: SearchState, measure: Measure, rate: float, jobs: int, *, phase: str,
    predictor: Predictor | None, reserve: int = 0,
) -> Step:  # fmt: skip
    """Measure at `rate`, pooled with what was measured there before; a verdict held with
    less than the plan's confidence gets more jobs while the budgets allow."""
    plan = state.plan
    spent = 0
    for extension in range(plan.extensions + 1):
        if extension and state.fits(jobs + reserve, rate):
            break
        batch = await measure(rate, jobs, plan.seed + len(state.batches))
        state.batches.append(batch)
        spent += batch.submitted
        waits = state.waits_at(rate)
        if not waits:
            raise RuntimeError(f"no job started at {rate:.3g} jobs/s: nothing to judge")
        share, meets, confidence = judge(waits, plan.target, plan.q)
        if confidence >= plan.confidence:
            break
    model = None
    if predictor is not None and state.servers:
        model = predictor.wait_quantile(state.servers, rate, plan.q)
    step = Step(
        rate, spent, len(waits), _quantile([w.point for w in waits], plan.q),
        (_quantile([w.lower for w in waits], plan.q), _quantile([w.upper for w in waits], plan.q)),
        share, confidence, meets, phase, model,
    )  # fmt: skip
    state.steps.append(step)
    state.rebound()
    return step


async def _probe(state: SearchState, measure: Measure, predictor_for: PredictorFor) -> Predictor:
    """A burst of jobs at once: the servers all busy, so the concurrency seen is the count."""
    plan = state.plan
    batch = await measure(math.inf, plan.probe_jobs, plan.seed)
    state.batches.append(batch)
    if len(batch.run_times) < 2:
        raise RuntimeError("the probe finished fewer than 2 jobs: no service time to go on")
    evidence = gather(batch.spans)
    state.mean_service = sum(batch.run_times) / len(batch.run_times)
    # A burst keeps every server busy until it drains: the work certainly done over the
    # longest the burst can have taken is a floor on the server count (saturated, so not the
    # utilisation), as is the concurrency seen.
    ends = [s.finished.upper for s in batch.spans if s.finished is not None]
    span = max(ends) - min(s.created.lower for s in batch.spans) if ends else 0.0
    work = sum(r.lower for r in batch.runs)
    busy = math.ceil(work / span - 1e-9) if span > 0 else 0
    state.servers = max(1, evidence.servers_low, busy)
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
    """Steps while the budgets leave room for them and the confirmation run; then confirm
    the highest rate that met (a failed confirmation reopens the search if room is left)."""
    plan = state.plan
    predictor = await _probe(state, measure, predictor_for)
    assert state.mean_service is not None
    assert state.servers is not None
    rate: float | None = state.model_rate or 0.5 * state.servers / state.mean_service
    out_of_budget = ""
    while True:
        if rate is not None and not out_of_budget:
            out_of_budget = state.fits(plan.step_jobs + plan.confirm_jobs, rate)
        if rate is not None and not out_of_budget:
            phase = "bisect" if state.low is not None and state.high is not None else "bracket"
            await _step(state, measure, rate, plan.step_jobs, phase=phase, predictor=predictor,
                        reserve=plan.confirm_jobs)  # fmt: skip
            rate = _next_rate(state)
            continue
        if state.low is None:
            state.stopped = out_of_budget or "no rate met the target"
            return
        if why := state.fits(plan.confirm_jobs, state.low):
            state.stopped = why
            return
        at = state.low
        await _step(state, measure, at, plan.confirm_jobs, phase="confirm", predictor=predictor)
        state.confirmed = state.latest()[at].meets
        if state.confirmed or out_of_budget:
            state.stopped = out_of_budget or "bracketed within the tolerance and confirmed"
            return
        rate = _next_rate(state)  # the larger sample said no: that rate now bounds from above


def crossing(state: SearchState) -> float | None:
    """Where the chance a wait exceeds the target reaches 1 - q: a logistic fit of exceedance
    on log(rate) over the steps near the bracket (each rate's pooled jobs), kept inside the
    measured bracket, so the estimate rests on more jobs than the two steps either side."""
    plan, low, high = state.plan, state.low, state.high
    steps = list(state.latest().values())
    if low is not None and high is not None and low < high:
        steps = [s for s in steps if low / plan.growth <= s.rate <= high * plan.growth]
    fitted = _logistic_crossing(
        [(math.log(s.rate), s.judged, (1 - s.within) * s.judged) for s in steps], 1 - plan.q
    )
    if fitted is None or low is None or high is None or high <= low:
        return fitted if fitted is not None else low
    return min(high, max(low, fitted))


def _logistic_crossing(groups: list[tuple[float, int, float]], tail: float) -> float | None:
    """exp(x) where the fitted P(exceed) = sigmoid(a + b x) reaches `tail` (None: no fit)."""
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
    return math.exp((math.log(tail / (1 - tail)) - a) / b)


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
            "gpu_seconds": state.gpu_seconds[0],
            "gpu_seconds_bounds": list(state.gpu_seconds[1:]),
            "seconds": state.seconds,
            "failed_or_lost": sum(b.failed for b in state.batches),
        },
        "stopped": state.stopped,
    }
