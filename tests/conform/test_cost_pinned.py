"""GPU-time estimates pinned: the default job, every factor, clamps, plan and use."""

from __future__ import annotations

import pytest

from harness.conform.cost import DEFAULT_JOB_SECONDS, RunCost, job_seconds

STEP = 10.0 / 9.5  # a default job (8 steps + 1.5 for the expansion call) takes 10 s


@pytest.mark.parametrize(
    ("body", "seconds"),
    [
        ({}, 10.0),
        (None, 10.0),
        ("not a body", 10.0),
        ({"num_inference_steps": 8}, 10.0),
        ({"num_inference_steps": 20}, STEP * 21.5),
        ({"num_inference_steps": 12.5}, STEP * 14.0),
        ({"num_inference_steps": 50}, STEP * 51.5),
        ({"num_inference_steps": 51}, STEP * 51.5),  # clamped to 50
        ({"num_inference_steps": 2}, STEP * 3.5),
        ({"num_inference_steps": 1}, STEP * 3.5),  # clamped to 2
        ({"num_inference_steps": True}, 10.0),  # a bool is not a step count
        ({"num_inference_steps": "12"}, 10.0),
        ({"resolution": "720p"}, STEP * (8 * 2.2 + 1.5)),
        ({"resolution": "480p"}, 10.0),
        ({"enable_prompt_expansion": False}, STEP * 8),
        ({"enable_prompt_expansion": None}, 10.0),  # only an explicit False skips it
        ({"enable_prompt_expansion": 0}, 10.0),
        (
            {"num_inference_steps": 4, "resolution": "720p", "enable_prompt_expansion": False},
            STEP * 4 * 2.2,
        ),
    ],
)
def test_job_seconds(body, seconds):
    assert job_seconds(body) == pytest.approx(seconds, rel=1e-12)


def test_the_default_job_is_the_public_figure():
    assert DEFAULT_JOB_SECONDS == 10.0
    assert job_seconds({}) == pytest.approx(DEFAULT_JOB_SECONDS, rel=1e-12)


def test_plan_counts_what_runs_and_at_most_what_might():
    cost = RunCost.plan([{}, {"num_inference_steps": 20}], [{}, {"num_inference_steps": 4}])
    assert cost.planned == pytest.approx(10.0 + STEP * 21.5)
    assert cost.worst == pytest.approx(20.0 + STEP * 21.5 + STEP * 5.5)
    assert (cost.used, cost.ran, cost.spared) == (None, 0, 0)
    assert RunCost.plan([], []) == RunCost(0.0, 0.0)


def test_after_keeps_the_plan_and_adds_what_ran():
    plan = RunCost.plan([{}], [{}])
    used = plan.after(iter([{}, {"enable_prompt_expansion": False}]), spared=3)
    assert (used.planned, used.worst) == (plan.planned, plan.worst)
    assert used.used == pytest.approx(10.0 + STEP * 8)
    assert (used.ran, used.spared) == (2, 3)
    assert plan.after([], 0).used == 0.0


def test_to_dict_rounds_to_a_tenth_and_states_its_basis():
    assert RunCost(12.34, 56.76, 7.05, 2, 1).to_dict() == {
        "estimated_gpu_seconds": 12.3,
        "at_most_gpu_seconds": 56.8,
        "used_gpu_seconds": 7.0,
        "jobs_ran": 2,
        "jobs_cancelled_while_queued": 1,
        "basis": "a default job (8 steps, 480p, prompt expansion) ~10 s",
    }
    assert RunCost(1.0, 2.0).to_dict()["used_gpu_seconds"] is None
