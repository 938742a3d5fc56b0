"""Offline: bursts, honest capacity lower bounds, cancel moments that
never happened, ground truth that is gone, the HTML's per-policy table."""

from __future__ import annotations

from harness.cli.load_plan import fetch_truth
from harness.load.measure.arrivals import ArrivalSchedule
from harness.load.measure.jobs import JobRecord
from harness.load.run.report import _cancel_moments
from harness.reports.load_console import capacity_line
from harness.reports.load_html import policy_table, render_html


def test_bursts_keep_the_mean_rate_and_come_in_groups():
    offsets = list(ArrivalSchedule(2.0, "bursts", seed=3, burst=6).offsets(600))
    assert len(offsets) % 6 == 0
    assert all(len(set(offsets[i : i + 6])) == 1 for i in range(0, len(offsets), 6))
    assert 1.6 < len(offsets) / 600 < 2.4


def test_an_unsaturated_capacity_is_a_lower_bound_everywhere():
    cap = {
        "available": True, "servers": 2, "lower_bound": True,
        "note": "never saturated: a lower bound", "saturation_rate_predicted": 3.2,
        "max_rate_for_target": 3.1, "target_p95_queue_wait": 30.0, "saturation_rate_true": 3.0,
        "prediction_error": None, "prediction_error_note": "not meaningful: never saturated",
        "curve": [[1.0, 0.1]],
    }  # fmt: skip
    line = capacity_line(cap)
    assert "servers >= 2 (never saturated: a lower bound)" in line
    assert "saturation at least ~3.20/s" in line
    assert "not meaningful" in line
    section = {
        "scenario": "polling", "accounting": {"submitted": 0}, "metrics": {}, "bounds": {},
        "jobs": [], "violations": [], "capacity": cap,
    }  # fmt: skip
    target = {"base_url": "http://x", "embedded": True}
    page = render_html(
        {"target": target, "accounting": {"submitted": 0}, "scenarios": {"polling": section}}
    )
    assert "servers &ge; 2" in page
    assert "{&#x27;base_url" not in page
    assert "(embedded emulator)" in page


def test_cancel_moments_that_never_happened_are_listed_with_a_reason():
    rows = _cancel_moments([JobRecord("cancel", "p", 0.0, 0.0, 0.0)], "after_submit,while_queued")
    assert rows == [
        {"moment": "after_submit", "attempts": 0, "reason": "no job was accepted"},
        {
            "moment": "while_queued",
            "attempts": 0,
            "reason": "no job was seen queued (no queue formed)",
        },
    ]


def test_ground_truth_from_a_dead_emulator_is_unavailable_not_a_crash():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    truth, why = fetch_truth(f"http://127.0.0.1:{port}")
    assert truth is None
    assert why.startswith("unavailable")


def test_policy_table_is_one_row_per_policy():
    m = {"count": 3, "mean": 1.0, "p95": 2.0}
    metrics = {f"{k}|fixed 1s": m for k in ("polls_per_job", "wasted_polls", "detection_delay")}
    metrics["polls_per_job"] = m
    assert policy_table(metrics) == [["fixed 1s", 3, 1.0, 1.0, 1.0, 2.0, ""]]
