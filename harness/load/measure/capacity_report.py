"""The capacity section of a report: the answer `capacity.answer` gives for a run, beside what
the run measured. Predictions come from `predictor_for(service_times)`: the closed form unless
the caller passes the simulated fleet (`harness.load.run.fleet_model.FleetPredictor`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from harness.load.measure.capacity import FormulaPredictor, Predictor, ServiceFit, answer
from harness.load.measure.intervals import Interval
from harness.load.measure.jobs import JobRecord
from harness.load.measure.saturation import Span, gather

__all__ = ["accepted", "capacity_section", "formula_predictor"]

PredictorFor = Callable[[Sequence[float]], Predictor]


def formula_predictor(services: Sequence[float], *, poisson: bool = True) -> Predictor:
    fit = ServiceFit.of(services)
    return FormulaPredictor(fit.mean, fit.cv2, 1.0 if poisson else 0.0)


def accepted(records: Sequence[JobRecord]) -> list[JobRecord]:
    """The accepted jobs, in submit order."""
    return sorted((r for r in records if r.request_id is not None), key=lambda r: r.submit_sent)


def _span(rec: JobRecord) -> Span:
    created = Interval(rec.submit_sent, max(rec.submit_sent, rec.submit_acked))
    return Span(created, rec.interval("started"), rec.interval("finished"))


def capacity_section(
    records: Sequence[JobRecord],
    *,
    target_wait: float,
    poisson: bool = True,
    predictor_for: PredictorFor | None = None,
) -> dict[str, Any]:
    jobs = accepted(records)
    runs = [r.interval("run_time") if r.outcome == "completed" else None for r in jobs]
    services = [None if iv is None else iv.point for iv in runs]
    known = [s for s in services if s is not None]
    waits = [iv for r in jobs if (iv := r.interval("queue_wait")) is not None]
    if len(known) < 2 or not waits:
        return {"available": False, "reason": "fewer than 2 completed jobs with a run time"}
    make = predictor_for or (lambda s: formula_predictor(s, poisson=poisson))
    predictor = make(known)
    evidence = gather([_span(r) for r in jobs])
    found = answer(
        evidence, services, [r.submit_sent for r in jobs], waits,
        [iv.width for iv in runs if iv is not None], target=target_wait, predictor=predictor,
    )  # fmt: skip
    if found.kind == "not enough load":
        return {
            "available": False, "next_rate": found.next_rate,
            "reason": f"not enough load to tell ({found.reason}); next, run at "
            f"{found.next_rate or 0:.3g} jobs/s",
        }  # fmt: skip
    section: dict[str, Any] = {"available": True, **found.to_dict()}
    section.update(
        lower_bound=found.lower_bound,
        note={"lower bound": "never saw every server busy: a lower bound"}.get(found.kind, ""),
        max_concurrent_running_seen=evidence.peak_running,
        standing_queue_share=evidence.queued_share,
        target_p95_queue_wait=target_wait,
        saturation_rate_predicted=found.saturation_rate,
        max_rate_for_target=found.max_rate,
        offered_rate_measured=found.offered_rate,
        p95_queue_wait_measured=None if found.measured is None else found.measured[1],
        p95_queue_wait_predicted=found.predicted,
        overloaded=evidence.saturated,
        curve=_curve(predictor, found.servers, found.saturation_rate),
    )
    return section


def _curve(
    predictor: Predictor, servers: int | None, saturation: float | None
) -> list[list[float]]:
    if not servers or not saturation:
        return []
    points = ((saturation * k / 20, predictor.wait_quantile(servers, saturation * k / 20, 0.95))
              for k in range(1, 20))  # fmt: skip
    return [[rate, wait] for rate, wait in points if math.isfinite(wait)]
