"""A fleet run as a polling client would have seen it: every transition known only to within
the polls around it. The ground-truth generator for the capacity answers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.load.measure.capacity import CapacityAnswer, answer
from harness.load.measure.intervals import Interval
from harness.load.measure.saturation import Span, gather
from harness.load.run.fleet_model import FleetPredictor
from harness.model.fleet import FleetRun, ServiceLaw


def _seen(t: np.ndarray, first: np.ndarray, every: float, since: np.ndarray):
    """(lower, upper): the last poll before `t` (or `since`) and the first at or after it."""
    k = np.maximum(0, np.ceil((t - first) / every))
    upper = first + k * every
    lower = np.where(k > 0, upper - every, since)
    return lower, upper


@dataclass
class Observed:
    spans: list[Span]
    services: list[float | None]
    submits: list[float]
    waits: list[Interval]
    run_widths: list[float]

    def answer(self, target: float, q: float = 0.95) -> CapacityAnswer:
        known = [s for s in self.services if s is not None]
        predictor = FleetPredictor(ServiceLaw.measured(known)) if len(known) > 1 else None
        return answer(
            gather(self.spans), self.services, self.submits, self.waits, self.run_widths,
            target=target, predictor=predictor,  # type: ignore[arg-type]
        )  # fmt: skip


def observe(run: FleetRun, poll: float, ack: float = 0.002, seed: int = 0) -> Observed:
    rng = np.random.default_rng(seed)
    sent = run.arrival
    acked = sent + ack
    first = acked + rng.uniform(0, poll, sent.size)  # each job's own polling phase
    s_lo, s_hi = _seen(run.start, first, poll, sent)
    f_lo, f_hi = _seen(run.finish, first, poll, sent)
    spans, services, waits, widths = [], [], [], []
    for i in range(sent.size):
        created = Interval(float(sent[i]), float(acked[i]))
        started = Interval(float(s_lo[i]), float(s_hi[i]))
        finished = Interval(float(f_lo[i]), float(f_hi[i]))
        spans.append(Span(created, started, finished))
        run_time = finished.minus(started)
        services.append(run_time.point)
        widths.append(run_time.width)
        waits.append(started.minus(created))
    return Observed(spans, services, [float(x) for x in sent], waits, widths)


def simulated_measure(fleet, law, poll: float):
    """A `capacity_search.Measure` over the fleet simulator: Poisson arrivals at the rate (a
    burst when it is infinite), every job polled every `poll` seconds."""
    from harness.load.run.capacity_search import Batch
    from harness.model.fleet import Arrivals, replay, simulate

    async def measure(rate: float, jobs: int, seed: int) -> Batch:
        if rate == float("inf"):
            run = replay(fleet, [0.0] * jobs, law.draw(np.random.default_rng(seed), jobs).tolist())
        else:
            run = simulate(fleet, law, Arrivals("poisson", rate), jobs, seed)
        seen = observe(run, poll, seed=seed)
        runs = [s.finished.minus(s.started) for s in seen.spans]
        return Batch(rate, seen.spans, runs, jobs, seconds=float(run.finish.max()))

    return measure
