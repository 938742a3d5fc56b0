"""The capacity search's logic on a simulated fleet: it finds the highest rate meeting the
target within 10% of the truth, inside its budget, and says what it cost."""

from __future__ import annotations

import asyncio

import pytest

from harness.load.measure.intervals import Interval
from harness.load.run.capacity_search import SearchPlan, judge, search, search_report
from harness.load.run.fleet_model import fleet_predictor
from harness.model.fleet import Fleet, ServiceLaw, max_rate_for
from tests.capacity.observe import simulated_measure


@pytest.mark.parametrize(("workers", "cv"), [(2, 0.1), (4, 0.1), (4, 0.4), (8, 0.3)])
def test_the_search_finds_the_highest_rate_within_10_percent(workers, cv):
    law = ServiceLaw(1.0, cv)
    truth = max_rate_for(1.0, Fleet(workers), law, jobs=100_000, seed=5)
    plan = SearchPlan(target=1.0, max_jobs=3000, step_jobs=300, confirm_jobs=600,
                      time_budget=1e6)  # fmt: skip
    state = asyncio.run(search(plan, simulated_measure(Fleet(workers), law, 0.1), fleet_predictor))
    report = search_report(state, driver="simulated fleet")
    answer = report["answer"]
    assert answer is not None, report
    assert abs(answer["estimate"] / truth - 1) < 0.10, (answer, truth, report["steps"])
    assert answer["rate"] < truth * 1.1  # the highest rate measured meeting it
    assert report["cost"]["jobs"] <= plan.max_jobs
    assert report["cost"]["jobs"] == sum(s["jobs"] for s in report["steps"]) + plan.probe_jobs
    assert report["model"]["servers_seen"] == workers
    assert "confirm" in {s["phase"] for s in report["steps"]}
    for step in report["steps"]:
        assert step["meets"] == (step["within"] >= 0.95)
        assert 0.5 <= step["confidence"] <= 1


def test_a_small_budget_keeps_room_for_the_confirmation_and_says_so():
    law = ServiceLaw(1.0, 0.2)
    plan = SearchPlan(target=1.0, max_jobs=300, step_jobs=80, probe_jobs=16, confirm_jobs=80,
                      extensions=0)  # fmt: skip
    state = asyncio.run(search(plan, simulated_measure(Fleet(2), law, 0.1), fleet_predictor))
    assert state.jobs <= 300
    assert state.stopped == "--max-jobs 300 would be exceeded"
    # 16 + 80 + 80 leaves 124: a third step would leave no room for the confirmation
    phases = [s.phase for s in state.steps]
    assert phases[:2] == ["bracket", "bracket"] or phases[1] == "bisect"
    assert len([p for p in phases if p != "confirm"]) == 2
    assert phases[-1] == "confirm"
    assert state.confirmed is not None
    tiny = SearchPlan(target=1.0, max_jobs=200, step_jobs=80, probe_jobs=16, confirm_jobs=160)
    none = asyncio.run(search(tiny, simulated_measure(Fleet(2), law, 0.1), fleet_predictor))
    assert none.steps == []  # a step and its confirmation would not fit: nothing spent on it
    assert none.stopped == "--max-jobs 200 would be exceeded"
    assert none.jobs == 16


def test_judge_states_its_confidence():
    waits = [Interval(0.0, 0.2)] * 95 + [Interval(2.0, 2.2)] * 5
    share, meets, confidence = judge(waits, 1.0)
    assert (share, meets) == (0.95, True)
    assert confidence == pytest.approx(0.5)
    share, meets, confidence = judge([Interval(0.0, 0.2)] * 90 + [Interval(2, 2)] * 10, 1.0)
    assert (share, meets) == (0.9, False)
    assert confidence == pytest.approx(0.989, abs=0.001)  # z = 0.05 / sqrt(0.0475 / 100)
    with pytest.raises(ValueError, match="no waits"):
        judge([], 1.0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"target": 0.0}, "target must be > 0"),
        ({"target": 1.0, "q": 1.0}, "quantile"),
        ({"target": 1.0, "step_jobs": 8}, "more jobs than its warm-up"),
        ({"target": 1.0, "max_jobs": 50}, "--max-jobs 50 is too few"),
        ({"target": 1.0, "growth": 1.0}, "growth"),
    ],
)
def test_bad_plans_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SearchPlan(**kwargs)
