"""Capacity answers: the M/G/c formula, and what a run's evidence lets us claim with it.

The formula is Erlang C with the Allen-Cunneen correction for service-time variability. The
answer never claims more than the run proved: the server count comes from the concurrency the
detection intervals prove (`saturation`), never from throughput x mean service time (that is
the utilisation); a run that never showed every server busy yields a lower bound, or "not enough
load to tell", with the rate to run next. The fitted model must reproduce the run it was fitted
to (its own arrivals replayed); when it does not, the answer is marked unreliable, with why.

Predictions come from a `Predictor`: the closed form here, or a simulation of the fitted fleet
(`harness.load.run.fleet_model`), which the formula can be off from by 15% or more.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from statistics import fmean, median, pvariance, stdev
from typing import Any, Protocol

from harness.load.measure.intervals import Interval
from harness.load.measure.saturation import Evidence, quantile_bracket

__all__ = [
    "CapacityAnswer",
    "CapacityModel",
    "FormulaPredictor",
    "Predictor",
    "ServiceFit",
    "answer",
    "erlang_c",
]


def erlang_c(servers: int, offered: float) -> float:
    """Probability an arrival waits in M/M/c with offered load a = λ·E[S] (< c)."""
    if offered <= 0:
        return 0.0
    if offered >= servers:
        return 1.0
    # Erlang B by its stable recurrence, then C from B.
    b = 1.0
    for k in range(1, servers + 1):
        b = offered * b / (k + offered * b)
    rho = offered / servers
    return b / (1 - rho + rho * b)


@dataclass(frozen=True)
class CapacityModel:
    servers: int
    mean_service: float
    cv2_service: float  # squared coefficient of variation of service time
    cv2_arrivals: float = 1.0  # Poisson

    @classmethod
    def fit(
        cls, service_times: list[float], servers: int, cv2_arrivals: float = 1.0
    ) -> CapacityModel:
        if not service_times:
            raise ValueError("no service times measured")
        mean = fmean(service_times)
        cv2 = pvariance(service_times) / mean**2 if mean > 0 else 0.0
        return cls(servers, mean, cv2, cv2_arrivals)

    @property
    def saturation_rate(self) -> float:
        return self.servers / self.mean_service

    def wait_quantile(self, rate: float, q: float = 0.95) -> float:
        """Approximate q-quantile of queue wait at arrival `rate` (inf at or past saturation).

        M/M/c: P(W > t) = C·exp(-(cμ-λ)t); Allen-Cunneen scales waits by (Ca²+Cs²)/2.
        """
        if rate >= self.saturation_rate:
            return math.inf
        c_prob = erlang_c(self.servers, rate * self.mean_service)
        tail = 1 - q
        if c_prob <= tail:
            return 0.0
        drain = self.servers / self.mean_service - rate
        return math.log(c_prob / tail) / drain * (self.cv2_arrivals + self.cv2_service) / 2

    def mean_wait(self, rate: float) -> float:
        if rate >= self.saturation_rate:
            return math.inf
        c_prob = erlang_c(self.servers, rate * self.mean_service)
        drain = self.servers / self.mean_service - rate
        return c_prob / drain * (self.cv2_arrivals + self.cv2_service) / 2

    def max_rate(self, target_wait: float, q: float = 0.95) -> float:
        """Highest arrival rate whose q-quantile queue wait stays at or under `target_wait`."""
        lo, hi = 0.0, self.saturation_rate
        for _ in range(60):
            mid = (lo + hi) / 2
            if self.wait_quantile(mid, q) <= target_wait:
                lo = mid
            else:
                hi = mid
        return lo


class Predictor(Protocol):
    """Queue waits a fitted fleet would see; the service-time law is fitted beforehand."""

    def wait_quantile(self, servers: int, rate: float, q: float) -> float: ...

    def max_rate(self, servers: int, target: float, q: float) -> float: ...

    def replay_quantile(
        self, servers: int, submits: Sequence[float], services: Sequence[float], q: float
    ) -> float: ...


@dataclass(frozen=True)
class FormulaPredictor:
    """The closed form as a predictor: a replay is judged at the trace's mean rate."""

    mean_service: float
    cv2_service: float
    cv2_arrivals: float = 1.0

    def model(self, servers: int) -> CapacityModel:
        return CapacityModel(servers, self.mean_service, self.cv2_service, self.cv2_arrivals)

    def wait_quantile(self, servers: int, rate: float, q: float) -> float:
        return self.model(servers).wait_quantile(rate, q)

    def max_rate(self, servers: int, target: float, q: float) -> float:
        return self.model(servers).max_rate(target, q)

    def replay_quantile(
        self, servers: int, submits: Sequence[float], services: Sequence[float], q: float
    ) -> float:
        span = max(submits) - min(submits)
        rate = (len(submits) - 1) / span if span > 0 else math.inf
        return self.wait_quantile(servers, rate, q)


MIN_JOBS = 10  # completed jobs with a run time below which nothing is claimed
LOWER_BOUND_MARGIN = 0.95  # a lower bound also absorbs the prediction's own error
NEXT_RATE_GROWTH = 2.0  # unsaturated: offer this much more next time (or past the bound)


@dataclass(frozen=True)
class ServiceFit:
    mean: float
    cv2: float
    n: int
    upper: float  # the mean's 97.5% upper confidence limit, detection bias included

    @classmethod
    def of(cls, samples: Sequence[float], widths: Sequence[float] = ()) -> ServiceFit:
        """Mean and CV of the measured run times; the upper limit adds half the mean detection
        width, the most a run time's point value can be off by."""
        if len(samples) < 2:
            raise ValueError("at least two service times are needed")
        mean = fmean(samples)
        if mean <= 0:
            raise ValueError("service times must have a positive mean")
        bias = fmean(widths) / 2 if widths else 0.0
        sampling = 1.96 * stdev(samples) / math.sqrt(len(samples))
        return cls(mean, pvariance(samples) / mean**2, len(samples), mean + sampling + bias)


@dataclass(frozen=True)
class CapacityAnswer:
    kind: str  # "estimate" | "lower bound" | "not enough load"
    target: float
    q: float
    servers: int | None = None
    servers_high: int | None = None  # the proven ceiling, when a queue showed one
    servers_from: str = ""
    saturated: bool = False
    saturation_rate: float | None = None  # c / E[S]; a floor when kind is "lower bound"
    saturation_measured: float | None = None  # completions/s under a standing queue
    max_rate: float | None = None  # highest rate meeting the target; a floor likewise
    offered_rate: float | None = None
    measured: tuple[float, float] | None = None  # bracket of this run's q-quantile wait
    predicted: float | None = None  # the fitted model's, this run's arrivals replayed
    reliable: bool = True
    reason: str = ""
    next_rate: float | None = None  # the rate to run next to learn more
    mean_service: float | None = None
    cv2_service: float | None = None

    @property
    def lower_bound(self) -> bool:
        return self.kind == "lower bound"

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["measured"] = None if self.measured is None else list(self.measured)
        return data


def _servers(evidence: Evidence, fit: ServiceFit) -> tuple[int, bool, str]:
    """(servers, known, how): known when a queue proved every server busy at once."""
    low = evidence.servers_low
    if evidence.servers_pinned:
        return low, True, "jobs certainly running while one certainly waited"
    plateau = evidence.plateau_rate
    if evidence.busy_high is not None and plateau is not None:
        guess = min(evidence.busy_high, max(low, round(plateau * fit.mean)))
        return guess, True, "completions/s while every server was busy x mean service time"
    return max(1, low), False, "most jobs seen running at once"


def _tolerance(run_widths: Sequence[float], bracket: tuple[float, float]) -> float:
    """How far a replay may honestly land outside the measured bracket: each replayed service
    time is off by up to its detection width, and the replay's waits chain them."""
    width = median(run_widths) if run_widths else 0.0
    return 2 * width + 0.1 * bracket[1]


def _lift(
    predictor: Predictor,
    servers: int,
    submits: Sequence[float],
    services: Sequence[float],
    *,
    ceiling: float,
    q: float,
) -> int:
    """Fewest servers, from `servers` up, whose replay waits no longer than the run did: fewer
    would have made this run's jobs wait longer than they were seen to."""
    while servers < 100_000 and predictor.replay_quantile(servers, submits, services, q) > ceiling:
        servers = servers * 2 if servers >= 64 else servers + 1
    return servers


def answer(
    evidence: Evidence,
    services: Sequence[float | None],
    submits: Sequence[float],
    waits: Sequence[Interval],
    run_widths: Sequence[float],
    *,
    target: float,
    predictor: Predictor,
    q: float = 0.95,
) -> CapacityAnswer:
    """The capacity answer for one run.

    `services` are the jobs' run times in submit order (None where unknown), `submits` their
    submit times, `waits` the queue-wait intervals of the jobs that started, `run_widths` the
    run-time intervals' widths.
    """
    known = [s for s in services if s is not None]
    offered = evidence.offered_rate
    if len(known) < MIN_JOBS or not waits:
        grow = None if offered is None else NEXT_RATE_GROWTH * offered
        return CapacityAnswer(
            "not enough load", target, q, offered_rate=offered, next_rate=grow,
            reason=f"{len(known)} completed jobs with a run time; {MIN_JOBS} needed",
        )  # fmt: skip
    fit = ServiceFit.of(known, run_widths)
    filled = [fit.mean if s is None else s for s in services]
    bracket = quantile_bracket(waits, q)
    tol = _tolerance(run_widths, bracket)
    servers, pinned, how = _servers(evidence, fit)
    if not pinned:
        lifted = _lift(predictor, servers, submits, filled, ceiling=bracket[1] + tol, q=q)
        if lifted > servers:
            servers, how = lifted, "fewer servers would have made this run's jobs wait longer"
    predicted = predictor.replay_quantile(servers, submits, filled, q)
    low_ok, high_ok = predicted >= bracket[0] - tol, predicted <= bracket[1] + tol
    reliable = low_ok and (high_ok or not pinned)
    reason = "" if reliable else (
        f"the fitted model ({servers} servers, measured service times) predicts a p{q * 100:g} "
        f"queue wait of {predicted:.3g}s for this run's own arrivals; the run measured "
        f"{bracket[0]:.3g}-{bracket[1]:.3g}s"
    )  # fmt: skip
    estimate = CapacityAnswer(
        "estimate", target, q, servers=servers, servers_high=evidence.busy_high,
        servers_from=how, saturated=evidence.saturated, saturation_rate=servers / fit.mean,
        saturation_measured=evidence.plateau_rate if evidence.saturated else None,
        max_rate=predictor.max_rate(servers, target, q), offered_rate=offered,
        measured=bracket, predicted=predicted, reliable=reliable, reason=reason,
        mean_service=fit.mean, cv2_service=fit.cv2,
    )  # fmt: skip
    if pinned:
        return estimate
    # More servers may exist: every figure is a floor (the mean service at its upper limit).
    floor = servers / fit.upper
    best = min(floor, (estimate.max_rate or 0.0) * fit.mean / fit.upper) * LOWER_BOUND_MARGIN
    grow = max(NEXT_RATE_GROWTH * (offered or 0.0), 1.25 * floor)
    return replace(
        estimate, kind="lower bound", saturation_rate=floor, max_rate=best, next_rate=grow
    )
