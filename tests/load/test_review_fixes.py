"""Offline: bursts, honest capacity lower bounds, cancel moments that
never happened, ground truth that is gone, the HTML's per-policy table."""

from __future__ import annotations

import pytest

from harness.load.measure.arrivals import ArrivalSchedule
from harness.load.measure.jobs import JobRecord
from harness.load.run.execute import fetch_truth
from harness.load.run.report import Truth, build_report, cancel_moments
from harness.load.run.report_model import CancelMoment
from harness.reports.load_format import capacity_line
from harness.reports.load_html import render_html
from harness.reports.load_json import report_data
from tests.load.report_schema import validate_report
from tests.load.simulated import simulate


def test_bursts_keep_the_mean_rate_and_come_in_groups():
    offsets = list(ArrivalSchedule(2.0, "bursts", seed=3, burst=6).offsets(600))
    assert len(offsets) % 6 == 0
    assert all(len(set(offsets[i : i + 6])) == 1 for i in range(0, len(offsets), 6))
    assert 1.6 < len(offsets) / 600 < 2.4


def test_an_unsaturated_capacity_is_a_lower_bound_everywhere():
    run = simulate("polling", rate=0.5, servers=4, jobs=30)  # no standing queue: unsaturated
    report = build_report(
        {"polling": [run.results]}, base_url="http://127.0.0.1:1", embedded=True,
        target_wait=1.0, settings={}, truth=Truth(run.truth, "", 2),
    )  # fmt: skip
    validate_report(report_data(report))
    cap = report.scenarios["polling"].capacity
    assert cap.available
    assert cap.lower_bound
    assert cap.saturation_rate_true is not None
    assert cap.prediction_error is None
    line = capacity_line(cap)
    assert f"servers >= {cap.servers} (" in line
    assert "saturation at least ~" in line
    assert cap.next_rate is not None
    assert "run next at" in line
    assert "not meaningful" in line
    assert report.capacity[0].lower_bound
    page = render_html(report)
    assert "Never saturated" in page
    assert "lower bound" in page.split('id="scenario-polling"')[0]  # the headline says so too
    assert "{&#x27;base_url" not in page
    assert "(embedded emulator)" in page


def test_cancel_moments_that_never_happened_are_listed_with_a_reason():
    rows = cancel_moments(
        [JobRecord("cancel", "p", 0.0, 0.0, 0.0)], ["after_submit", "while_queued"]
    )
    assert rows == [
        CancelMoment("after_submit", 0, "no job was accepted"),
        CancelMoment("while_queued", 0, "no job was seen queued (no queue formed)"),
    ]


def test_ground_truth_from_a_dead_emulator_is_unavailable_not_a_crash():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed when the block ends: nothing listens there
    truth, why = fetch_truth(f"http://127.0.0.1:{port}")
    assert truth is None
    assert why.startswith("unavailable")


def test_policy_rows_are_one_per_policy():
    run = simulate("polling", policies=(0.05, 0.2), jobs=20)
    report = build_report(
        {"polling": [run.results]}, base_url="http://x", embedded=False, target_wait=1.0,
        settings={},
    )  # fmt: skip
    rows = report.scenarios["polling"].policies
    assert [(r.policy, r.jobs) for r in rows] == [("fixed 0.05s", 10), ("fixed 0.2s", 10)]
    slow = rows[1]
    assert slow.detection_delay_mean == pytest.approx(0.1, rel=0.01)
    assert slow.polls_per_job_mean is not None
    assert rows[0].polls_per_job_mean > slow.polls_per_job_mean
