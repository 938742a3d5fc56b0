"""Comparison with the emulator's ground truth pinned on hand-made records and truth rows."""

from __future__ import annotations

from harness.load.measure.jobs import JobRecord
from harness.load.measure.truth import TruthCheck, compare_with_truth


def _rec(rid: str | None, **intervals: tuple[float, float]) -> JobRecord:
    rec = JobRecord("s", "p", 0.0, 0.0, 0.1, request_id=rid)
    rec.intervals = dict(intervals)
    return rec


def _truth(rid: str, submitted: float, started: float | None, finished: float | None, **extra):
    return {"request_id": rid, "submitted_at": submitted, "started_at": started,
            "finished_at": finished, **extra}  # fmt: skip


def test_true_values_inside_their_intervals_count_as_within():
    records = [_rec("a", queue_wait=(1.0, 2.0), run_time=(3.0, 4.0))]
    truth = [_truth("a", 10.0, 11.5, 15.0, service_time=3.5)]
    check = compare_with_truth(records, truth, servers=2)
    assert check == TruthCheck(1, 1, 1, [], 3.5, 2)
    assert check.all_within
    assert check.to_dict() == {
        "compared": 1, "queue_wait_within": 1, "run_time_within": 1, "misses": [],
        "mean_service_time": 3.5, "true_servers": 2, "all_within": True,
    }  # fmt: skip


def test_bounds_are_inclusive_with_a_millisecond_of_slack():
    records = [
        _rec("lo", queue_wait=(1.0, 2.0), run_time=(3.0, 4.0)),
        _rec("hi", queue_wait=(1.0, 2.0), run_time=(3.0, 4.0)),
    ]
    truth = [_truth("lo", 0.0, 0.9995, 3.9995), _truth("hi", 0.0, 2.0009, 6.0018)]
    check = compare_with_truth(records, truth)
    assert (check.compared, check.queue_wait_within, check.run_time_within) == (2, 2, 2)
    assert check.mean_service_time is None
    assert check.true_servers is None


def test_a_miss_is_kept_as_evidence():
    records = [_rec("a", queue_wait=(1.0, 2.0), run_time=(3.0, 4.0))]
    check = compare_with_truth(records, [_truth("a", 10.0, 10.998, 15.0)])
    assert (check.compared, check.queue_wait_within, check.run_time_within) == (1, 0, 0)
    assert not check.all_within
    assert check.misses[0] == {
        "request_id": "a", "figure": "queue_wait", "true": 10.998 - 10.0, "bounds": [1.0, 2.0],
    }  # fmt: skip
    assert check.misses[1]["figure"] == "run_time"
    assert check.misses[1]["true"] == 15.0 - 10.998
    assert check.misses[1]["bounds"] == [3.0, 4.0]
    assert len(check.misses) == 2
    assert check.to_dict()["all_within"] is False


def test_a_missing_run_time_interval_is_not_within():
    check = compare_with_truth([_rec("a", queue_wait=(1.0, 2.0))], [_truth("a", 0.0, 1.5, 3.0)])
    assert (check.compared, check.queue_wait_within, check.run_time_within) == (1, 1, 0)
    assert check.misses == []


def test_jobs_the_truth_cannot_judge_are_skipped():
    records = [
        _rec("unmeasured", run_time=(0.0, 9.0)),  # no queue interval: not compared
        _rec(None, queue_wait=(0.0, 1.0)),  # never accepted
        _rec("unknown", queue_wait=(0.0, 1.0)),  # not in the truth
        _rec("queued", queue_wait=(0.0, 1.0)),  # never started on the server
        _rec("running", queue_wait=(0.0, 1.0), run_time=(0.0, 9.0)),  # not finished: wait only
    ]
    truth = [
        _truth("queued", 0.0, None, None, service_time=7.0),
        _truth("running", 0.0, 0.5, None),
        _truth("unmeasured", 0.0, 0.5, 2.0, service_time=2.0),
    ]
    check = compare_with_truth(records, truth)
    assert (check.compared, check.queue_wait_within, check.run_time_within) == (1, 1, 0)
    assert check.misses == []
    assert check.mean_service_time == 2.0  # the started job's, even though not compared


def test_mean_service_time_averages_the_started_jobs():
    records = [_rec("a", queue_wait=(0.0, 1.0)), _rec("b", queue_wait=(0.0, 1.0))]
    truth = [_truth("a", 0.0, 0.5, None, service_time=1), _truth("b", 0.0, 0.5, None,
             service_time=4.0), _truth("c", 0.0, 0.5, None, service_time=100.0)]  # fmt: skip
    check = compare_with_truth(records, truth)
    assert check.mean_service_time == 2.5
    assert isinstance(check.mean_service_time, float)
