"""The capacity answer of a run: the M/G/c model fitted to it, beside what it measured.

The headline is `max_rate_for_target`: the highest arrival rate that keeps the p95 queue wait
under the target. Unsaturated runs only give lower bounds, said so in `lower_bound`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import fmean

from harness.load.measure.capacity import CapacityModel, estimate_servers
from harness.load.measure.jobs import JobRecord
from harness.load.measure.quantiles import quantile
from harness.load.measure.timeline import max_concurrent_running, saturated_throughput

__all__ = ["CapacityEstimate", "CurvePoint", "capacity_estimate"]

MIN_RUN_TIMES = 3
_CURVE_POINTS = 40


@dataclass(frozen=True)
class CurvePoint:
    rate: float  # jobs/s
    p95_queue_wait: float  # s, predicted


@dataclass(frozen=True)
class CapacityEstimate:
    available: bool
    reason: str = ""  # why not available
    target_p95_queue_wait: float = 0.0  # s
    servers: int = 0
    servers_from: str = ""
    saturated: bool = False
    lower_bound: bool = True  # never saturated: servers and rates are lower bounds
    max_concurrent_running_seen: int = 0
    mean_service_time: float = 0.0  # s
    cv2_service_time: float = 0.0
    saturated_throughput_measured: float | None = None  # jobs/s
    saturation_rate_predicted: float = 0.0  # jobs/s
    max_rate_for_target: float = 0.0  # jobs/s: the headline answer
    offered_rate_measured: float | None = None  # jobs/s
    p95_queue_wait_measured: float | None = None  # s
    p95_queue_wait_predicted: float | None = None  # s (None: at or past saturation)
    overloaded: bool = False
    saturation_rate_true: float | None = None  # jobs/s, from the emulator's ground truth
    prediction_error: float | None = None  # predicted / true - 1, when saturated
    curve: list[CurvePoint] = field(default_factory=list)

    @property
    def note(self) -> str:
        return "" if self.saturated else "never saturated: a lower bound"

    @property
    def prediction_error_note(self) -> str:
        if self.saturation_rate_true is None or self.saturated:
            return ""
        return "not meaningful: the run never saturated"


def _offered(records: Sequence[JobRecord]) -> float | None:
    subs = sorted(r.submit_sent for r in records if r.request_id is not None)
    if len(subs) > 1 and subs[-1] > subs[0]:
        return (len(subs) - 1) / (subs[-1] - subs[0])
    return None


def capacity_estimate(
    records: Sequence[JobRecord],
    *,
    target_wait: float,
    poisson: bool = True,
    true_rate: float | None = None,
) -> CapacityEstimate:
    """Fit and answer; `true_rate` (the emulator's real saturation rate) scores the fit."""
    done = [r for r in records if r.outcome == "completed"]
    service = [iv.point for r in done if (iv := r.interval("run_time")) is not None]
    if len(service) < MIN_RUN_TIMES:
        return CapacityEstimate(
            False, f"fewer than {MIN_RUN_TIMES} completed jobs with a run time",
            target_p95_queue_wait=target_wait,
        )  # fmt: skip
    throughput = saturated_throughput(done)
    peak = max_concurrent_running(done)
    servers, how = estimate_servers(peak, throughput, fmean(service))
    model = CapacityModel.fit(service, servers, cv2_arrivals=1.0 if poisson else 0.0)
    offered = _offered(records)
    waits = [iv.point for r in done if (iv := r.interval("queue_wait")) is not None]
    predicted = None if offered is None else model.wait_quantile(offered)
    # Without a standing queue the busiest moment seen is all we know: more servers may exist.
    saturated = throughput is not None
    error = None
    if true_rate and saturated:  # a lower bound's distance from the truth measures nothing
        error = model.saturation_rate / true_rate - 1
    steps = (model.saturation_rate * k / _CURVE_POINTS for k in range(1, _CURVE_POINTS))
    curve = [CurvePoint(rate, w) for rate in steps if math.isfinite(w := model.wait_quantile(rate))]
    return CapacityEstimate(
        available=True,
        target_p95_queue_wait=target_wait,
        servers=servers,
        servers_from=how,
        saturated=saturated,
        lower_bound=not saturated,
        max_concurrent_running_seen=peak,
        mean_service_time=model.mean_service,
        cv2_service_time=model.cv2_service,
        saturated_throughput_measured=throughput,
        saturation_rate_predicted=model.saturation_rate,
        max_rate_for_target=model.max_rate(target_wait),
        offered_rate_measured=offered,
        p95_queue_wait_measured=quantile(waits, 0.95) if waits else None,
        p95_queue_wait_predicted=None if predicted is None or math.isinf(predicted) else predicted,
        overloaded=offered is not None and offered >= model.saturation_rate,
        saturation_rate_true=true_rate,
        prediction_error=error,
        curve=curve,
    )
