"""Cross-validation: capacity answers for fleet runs whose truth is known.

1, 2, 4, 8 workers; service-time CV 0.1, 0.4, 0.8; loads from a third of capacity to twice
it; 2,000 jobs a run, polled every tenth of a mean service time. The truth is the simulator's
own (50,000 jobs a point). Every answer is an estimate within 15% of the truth, or a labelled
lower bound that holds.
"""

from __future__ import annotations

import pytest

from harness.model.fleet import Arrivals, Fleet, ServiceLaw, max_rate_for, simulate
from tests.capacity.observe import observe

TARGET = 1.0  # p95 queue wait, in mean service times


def _judge(kind: str, value: float | None, truth: float) -> str | None:
    if value is None:
        return "no figure"
    if kind == "estimate" and abs(value / truth - 1) > 0.15:
        return f"estimate {value:.3f} vs truth {truth:.3f}"
    if kind == "lower bound" and value > truth:
        return f"lower bound {value:.3f} above truth {truth:.3f}"
    return None


@pytest.mark.slow
@pytest.mark.parametrize("workers", [1, 2, 4, 8])
def test_every_answer_is_within_15_percent_or_a_bound_that_holds(workers):
    misses, kinds = [], []
    for cv in (0.1, 0.4, 0.8):
        law = ServiceLaw(1.0, cv)
        truth = max_rate_for(TARGET, Fleet(workers), law, jobs=50_000, seed=99)
        for load in (1 / 3, 2 / 3, 0.9, 1.2, 2.0):
            run = simulate(Fleet(workers), law, Arrivals("poisson", load * workers), 2000, seed=7)
            found = observe(run, poll=0.1).answer(TARGET)
            kinds.append(found.kind)
            where = f"cv={cv} load={load:.2f}"
            for name, value, true in (
                ("servers", found.servers, workers),
                ("saturation", found.saturation_rate, workers / 1.0),
                ("max rate", found.max_rate, truth),
            ):
                miss = _judge(found.kind, value, true)
                if miss:
                    misses.append(f"{where} {name}: {miss}")
            if load >= 1.2:
                assert found.saturated, where
                assert found.kind == "estimate", where
            if load <= 2 / 3:
                assert not found.saturated, where
            assert found.reliable, (where, found.reason)
    assert not misses, misses
    assert kinds.count("estimate") >= 12  # a queue formed in most runs: real answers
