"""The capacity section of a report: the M/G/c model fitted to a run, beside what it measured."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import fmean
from typing import Any

from harness.load.measure.capacity import CapacityModel, estimate_servers
from harness.load.measure.jobs import JobRecord
from harness.load.measure.timeline import max_concurrent_running, saturated_throughput

__all__ = ["capacity_section"]


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def capacity_section(
    records: Sequence[JobRecord], *, target_wait: float, poisson: bool = True
) -> dict[str, Any]:
    done = [r for r in records if r.outcome == "completed"]
    service = [iv.point for r in done if (iv := r.interval("run_time")) is not None]
    if len(service) < 3:
        return {"available": False, "reason": "fewer than 3 completed jobs with a run time"}
    throughput = saturated_throughput(done)
    peak = max_concurrent_running(done)
    servers, how = estimate_servers(peak, throughput, fmean(service))
    model = CapacityModel.fit(service, servers, cv2_arrivals=1.0 if poisson else 0.0)
    subs = sorted(r.submit_sent for r in records if r.request_id is not None)
    offered = (
        (len(subs) - 1) / (subs[-1] - subs[0]) if len(subs) > 1 and subs[-1] > subs[0] else None
    )
    waits = [iv.point for r in done if (iv := r.interval("queue_wait")) is not None]
    measured_p95 = _p95(waits)
    predicted_p95 = None if offered is None else model.wait_quantile(offered)
    # Without a standing queue the busiest moment seen is all we know: more servers may exist.
    saturated = throughput is not None
    # Unsaturated, only the server count is a true lower bound; the rates derived from it also
    # carry the service-time estimate's error, hence "~" wherever they are shown.
    note = "" if saturated else "never saturated: a lower bound"
    curve = [
        (rate, model.wait_quantile(rate))
        for rate in (model.saturation_rate * k / 40 for k in range(1, 40))
    ]
    return {
        "available": True,
        "servers": servers,
        "servers_from": how,
        "saturated": saturated,
        "lower_bound": not saturated,
        "note": note,
        "max_concurrent_running_seen": peak,
        "mean_service_time": model.mean_service,
        "cv2_service_time": model.cv2_service,
        "saturated_throughput_measured": throughput,
        "saturation_rate_predicted": model.saturation_rate,
        "target_p95_queue_wait": target_wait,
        "max_rate_for_target": model.max_rate(target_wait),
        "offered_rate_measured": offered,
        "p95_queue_wait_measured": measured_p95,
        "p95_queue_wait_predicted": None if predicted_p95 == math.inf else predicted_p95,
        "overloaded": offered is not None and offered >= model.saturation_rate,
        "curve": [[r, w] for r, w in curve if math.isfinite(w)],
    }
