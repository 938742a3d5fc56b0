"""GPU-time estimates and the workload's plan: exact figures, so a changed formula shows."""

from __future__ import annotations

import pytest

from harness import schemas
from harness.conform.cost import DEFAULT_JOB_SECONDS, RunCost, job_seconds
from harness.conform.plan import COSTLY, cheapest, plan_cases

STEP = DEFAULT_JOB_SECONDS / 9.5  # 8 steps + 1.5 for prompt expansion make a default job


def test_a_default_job_costs_the_public_figure() -> None:
    assert job_seconds({}) == pytest.approx(10.0)
    assert job_seconds("not a dict") == pytest.approx(10.0)
    assert job_seconds({"num_inference_steps": 8, "resolution": "480p"}) == pytest.approx(10.0)


@pytest.mark.parametrize(
    ("body", "steps"),
    [
        ({"num_inference_steps": 2, "enable_prompt_expansion": False}, 2),
        ({"num_inference_steps": 2}, 2 + 1.5),
        ({"num_inference_steps": 2, "resolution": "720p", "enable_prompt_expansion": False}, 4.4),
        ({"num_inference_steps": 50, "resolution": "720p"}, 50 * 2.2 + 1.5),
        ({"num_inference_steps": 8.0, "enable_prompt_expansion": False}, 8),
        ({"num_inference_steps": 1, "enable_prompt_expansion": False}, 2),  # clamped to 2..50
        ({"num_inference_steps": 900, "enable_prompt_expansion": False}, 50),
        ({"num_inference_steps": True, "enable_prompt_expansion": False}, 8),  # not a number
        ({"num_inference_steps": "9", "enable_prompt_expansion": False}, 8),
        ({"enable_prompt_expansion": 0}, 8 + 1.5),  # only false turns it off
    ],
)
def test_what_a_body_asks_of_a_gpu(body: dict[str, object], steps: float) -> None:
    assert job_seconds(body) == pytest.approx(steps * STEP)


def test_run_cost_before_and_after() -> None:
    cheap = {"num_inference_steps": 2, "enable_prompt_expansion": False}
    cost = RunCost.plan([cheap, cheap], [{}, {"num_inference_steps": 50}])
    assert cost.planned == pytest.approx(4 * STEP)
    assert cost.worst == pytest.approx(4 * STEP + 10.0 + 51.5 * STEP)
    assert cost.used is None
    after = cost.after([cheap], spared=1)
    assert (after.used, after.ran, after.spared) == (pytest.approx(2 * STEP), 1, 1)
    assert (after.planned, after.worst) == (cost.planned, cost.worst)
    data = after.to_dict()
    assert data["estimated_gpu_seconds"] == round(4 * STEP, 1)
    assert data["at_most_gpu_seconds"] == round(4 * STEP + 10 + 51.5 * STEP, 1)
    assert data["basis"] == "a default job (8 steps, 480p, prompt expansion) ~10 s"
    assert data["used_gpu_seconds"] == round(2 * STEP, 1)
    assert (data["jobs_ran"], data["jobs_cancelled_while_queued"]) == (1, 1)
    assert cost.to_dict()["used_gpu_seconds"] is None


SCHEMA = schemas.load("input")
IMAGE = "https://example.test/in.jpg"


def test_the_cheapest_input_comes_from_the_schema() -> None:
    assert cheapest(SCHEMA) == {
        "num_inference_steps": 2,
        "resolution": "480p",
        "enable_prompt_expansion": False,
    }
    assert cheapest({"properties": {}}) == {}


def test_a_full_budget_plans_cheap_life_cycle_jobs_and_every_edge() -> None:
    plan = plan_cases(SCHEMA, IMAGE, room=10, examples=10, seed=0)
    assert len(plan.lifecycle) == 5
    assert len(plan.acceptance) == 5
    for case in plan.lifecycle:
        assert {k: case.body[k] for k in cheapest(SCHEMA)} == cheapest(SCHEMA)
    formats = [c.body["output_format"] for c in plan.lifecycle]
    assert formats[:4] == ["jpeg", "png", "jpeg", "webp"]  # the third repeats the first
    assert plan.threshold == pytest.approx(COSTLY * 2 * STEP)
    costs = [job_seconds(c.body) for c in plan.acceptance]
    assert costs == sorted(costs)  # the cheapest edges join the queue first
    assert [c.label for c in plan.spare] == [c.label for c in plan.acceptance if plan.costly(c)]
    assert len(plan.spare) == 4  # all but the low edges (2 steps at 720p) are costly
    assert len(plan.run) == 6
    assert plan.cost().planned == pytest.approx(sum(job_seconds(c.body) for c in plan.run))


def test_a_short_budget_keeps_life_cycle_jobs_first() -> None:
    assert len(plan_cases(SCHEMA, IMAGE, room=6, examples=5, seed=0).lifecycle) == 3
    small = plan_cases(SCHEMA, IMAGE, room=2, examples=0, seed=0)
    assert (len(small.lifecycle), len(small.acceptance)) == (2, 0)
    assert small.lifecycle[0].label == "required fields, cheapest"  # nothing drawn
    assert plan_cases(SCHEMA, IMAGE, room=0, examples=5, seed=0).run == []
