"""Poll advice and the job-level metric list, pinned value by value."""

from __future__ import annotations

import pytest

from harness.client.records import History, JobStatus, Poll
from harness.load.measure.advice import (
    COMMON_DEFAULTS,
    Advice,
    PolicyPoint,
    PredictedPolicy,
    advise,
    predict_backoff,
    predict_fixed,
)
from harness.load.measure.jobs import JobRecord
from harness.load.measure.metrics import (
    COUNT_METRICS,
    COUNTS,
    DURATION_METRICS,
    INTERVAL_METRICS,
    METRICS,
    metrics_of,
    unit_of,
)


def test_predict_fixed():
    assert predict_fixed(2.0, 10.0) == (5.0, 1.0)
    assert predict_fixed(4.0, 2.0) == (1.0, 2.0)  # at least one poll
    assert predict_fixed(1.0, 1.0) == (1.0, 0.5)


def test_predict_backoff_walks_to_the_first_poll_past_the_end():
    assert predict_backoff(1.0, 2.0, 100.0, 0.5) == (1.0, 0.5)
    assert predict_backoff(1.0, 2.0, 100.0, 1.0) == (1.0, 0.5)  # a poll exactly at the end
    assert predict_backoff(1.0, 2.0, 100.0, 3.0) == (2.0, 1.0)  # polls at 1, 3
    assert predict_backoff(1.0, 2.0, 100.0, 3.5) == (3.0, 2.0)  # 1, 3, 7
    assert predict_backoff(1.0, 2.0, 2.0, 6.0) == (4.0, 1.0)  # capped: 1, 3, 5, 7
    assert predict_backoff(1.0, 3.0, 100.0, 4.0) == (2.0, 1.5)  # 1, 4


def _point(policy: str, polls: float, delay: float, e2e: float, jobs: int = 10) -> PolicyPoint:
    return PolicyPoint(policy, jobs, polls, delay, 2 * delay, e2e)


def test_the_cheapest_policy_within_the_budget_wins():
    points = [
        _point("fast", 40, 0.05, 4.0), _point("mid", 8, 0.39, 4.0), _point("slow", 2, 1.0, 4.0),
    ]  # fmt: skip
    advice = advise(points)
    assert advice.recommended == "mid"  # budget 0.1 x 4 s = 0.4 s
    assert advice.typical_job_seconds == 4.0
    assert advice.delay_budget == pytest.approx(0.4)
    assert advice.formula_interval == pytest.approx(0.8)
    assert advice.formula_polls_per_job == pytest.approx(5.0)
    assert advice.points == points
    assert advice.reason == (
        "jobs take ~4.00 s end to end at this load; mid measured 8.0 polls/job for 0.390 s "
        "mean detection delay (budget 0.400 s = 10% of a job)"
    )
    assert advise(points, delay_share=0.3).recommended == "slow"  # budget 1.2 s
    on_the_edge = [_point("edge", 3, 0.4, 4.0), _point("fast", 40, 0.05, 4.0)]
    assert advise(on_the_edge).recommended == "edge"  # within means at most the budget


def test_without_a_policy_in_budget_the_quickest_to_notice_wins():
    points = [_point("a", 5, 0.9, 4.0), _point("b", 9, 0.5, 4.0), _point("c", 2, 2.0, 4.0)]
    assert advise(points).recommended == "b"


def test_the_typical_job_is_the_median_end_to_end():
    points = [_point("a", 1, 9.0, 1.0), _point("b", 1, 9.0, 3.0), _point("c", 1, 9.0, 100.0)]
    assert advise(points).typical_job_seconds == 3.0
    two = [_point("a", 1, 9.0, 2.0), _point("b", 1, 9.0, 6.0)]
    assert advise(two).typical_job_seconds == 6.0  # the upper middle
    zero = [_point("a", 1, 0.05, 0.0)]
    assert advise(zero).typical_job_seconds == 1.0  # no time measured: one second


def test_policies_without_jobs_are_ignored_and_none_left_is_said_so():
    idle = [_point("idle", 0, 0.0, 0.0, jobs=0)]
    assert advise(idle) == Advice(None, "no policy finished a job")
    points = [*idle, _point("a", 4, 0.1, 2.0)]
    advice = advise(points)
    assert advice.recommended == "a"
    assert [p.policy for p in advice.points] == ["a"]


def test_common_defaults_are_predicted_by_the_formula():
    advice = advise([_point("a", 4, 0.1, 10.0)])
    assert [d.policy for d in advice.common_defaults] == list(COMMON_DEFAULTS)
    assert advice.common_defaults[0] == PredictedPolicy("fixed 1s", 10.0, 0.5)
    assert advice.common_defaults[1] == PredictedPolicy(
        "backoff 5s x1.5 cap 45s", *predict_backoff(5, 1.5, 45, 10.0)
    )
    assert advice.common_defaults[1].polls_per_job == 2.0


def test_the_metric_list():
    assert list(METRICS)[:3] == ["time_to_ack", "schedule_lag", "queue_wait"]
    assert INTERVAL_METRICS == ("queue_wait", "run_time", "end_to_end", "detection_delay")
    assert COUNT_METRICS == ("polls_per_job", "wasted_polls", "bytes_per_job")
    assert set(DURATION_METRICS) | set(COUNT_METRICS) == set(METRICS)
    assert COUNTS == ("submitted", "completed", "failed", "cancelled", "lost", "rejected",
                      "unaccounted", "violations")  # fmt: skip
    assert METRICS["queue_wait"].label == "queue wait"
    assert unit_of("queue_wait") == "s"
    assert unit_of("polls_per_job|fixed 1s") == "count"
    assert unit_of("bytes_per_job") == "count"
    assert unit_of("something_new") == "s"


def test_what_a_job_contributes():
    rejected = JobRecord("s", "p", 10.0, 10.5, 10.75)
    assert metrics_of(rejected) == [("time_to_ack", 0.25), ("schedule_lag", 0.5)]
    rec = JobRecord("s", "p", 10.0, 10.5, 10.75, request_id="j", outcome="completed")
    rec.intervals = {"queue_wait": (1.0, 2.0), "end_to_end": (3.0, 5.0), "run_time": (2.0, 3.0)}
    queued = JobStatus("j", "in_queue", 0, {"status": "in_queue"})
    rec.history = History("j", 10.5, 10.75)  # the client's history: three polls, one wasted
    rec.history.polls = [Poll(0.0, 0.1, queued, None, 10, 50), Poll(0.2, 0.3, queued, None, 10, 50)]
    rec.history.polls.append(Poll(0.4, 0.5, None, "HTTP 503", 10, 50))
    rec.call_bytes_sent, rec.call_bytes_received = 70, 100
    assert metrics_of(rec) == [
        ("time_to_ack", 0.25), ("schedule_lag", 0.5),
        ("queue_wait", 1.5), ("queue_wait_from_intended", 2.0),
        ("run_time", 2.5),
        ("end_to_end", 4.0), ("end_to_end_from_intended", 4.5),
        ("polls_per_job", 3.0), ("wasted_polls", 1.0), ("bytes_per_job", 350.0),
    ]  # fmt: skip


def test_a_policy_with_a_single_job_counts_and_points_serialise():
    single = _point("one", 3, 0.1, 2.0, jobs=1)
    assert advise([single]).recommended == "one"
    assert single.to_dict() == {
        "policy": "one", "jobs": 1, "polls_per_job": 3, "detection_delay": 0.1,
        "detection_bound": 0.2, "mean_end_to_end": 2.0,
    }  # fmt: skip
