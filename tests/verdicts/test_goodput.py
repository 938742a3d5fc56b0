"""Goodput and honest percentiles: failed and lost jobs are misses, never fast."""

from __future__ import annotations

import math

import pytest

from harness.load.measure.goodput import (
    Goodput,
    Target,
    goodput,
    honest_percentiles,
    job_interval,
    nearest_rank,
)

from .jobsets import job, jobs_from_waits


def _under_one(v: float) -> bool:
    return v < 1.0


WAIT_UNDER_1S = Target("queue_wait", _under_one)


def test_job_interval_by_outcome():
    assert job_interval(job((0.2, 0.4)), "queue_wait") == (0.2, 0.4)
    assert job_interval(job((0.2, 0.4)), "end_to_end") == (1.2, 1.4)
    assert job_interval(job((0.2, 0.4), outcome="lost"), "queue_wait") == (math.inf, math.inf)
    assert job_interval(job((0.2, 0.4), outcome="failed"), "run_time") == (math.inf, math.inf)
    assert job_interval(job((0.2, 0.4), outcome="failed"), "polls_per_job") == (1.0, 1.0)
    assert job_interval(job((0.2, 0.4), outcome="cancelled"), "queue_wait") is None
    assert job_interval(job(None, outcome="rejected", request_id=None), "queue_wait") is None
    assert job_interval(job(None), "queue_wait") is None  # never measured
    assert job_interval(job((0.2, 0.4)), "no_such_metric") is None
    late = job((0.2, 0.4), lag=1.0)
    assert job_interval(late, "queue_wait_from_intended") == pytest.approx((1.2, 1.4))
    assert job_interval(late, "time_to_ack") == pytest.approx((0.01, 0.01))


def test_nearest_rank():
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert [nearest_rank(values, p) for p in (0, 20, 21, 50, 80, 81, 100)] == [
        1.0, 1.0, 2.0, 3.0, 4.0, 5.0, 5.0]  # fmt: skip
    assert nearest_rank([1.0, math.inf], 50) == 1.0
    assert nearest_rank([1.0, math.inf], 51) == math.inf
    with pytest.raises(ValueError, match=r"^no values$"):
        nearest_rank([], 50)


def test_honest_percentiles_put_lost_jobs_at_infinity():
    fast = jobs_from_waits([0.1 * (i + 1) for i in range(18)])
    lost = [job((0.05, 0.05), outcome="lost"), job((0.05, 0.05), outcome="failed")]
    honest = honest_percentiles(fast + lost, "queue_wait")
    assert honest is not None
    assert honest["p50"] == pytest.approx(1.0)
    assert honest["p90"] == pytest.approx(1.8)
    assert honest["p95"] is None  # "never": JSON has no infinity
    assert honest["p99"] is None
    assert (honest["count"], honest["infinitely_late"]) == (20, 2)
    today = honest_percentiles(fast, "queue_wait")
    assert today is not None
    assert today["p95"] == pytest.approx(1.8)
    assert honest_percentiles([job(None)], "queue_wait") is None


def test_honest_percentiles_use_midpoints():
    honest = honest_percentiles([job((0.0, 2.0))], "queue_wait")
    assert honest is not None
    assert honest["p50"] == 1.0


def test_goodput_counts_refused_failed_and_lost_as_misses():
    records = [
        *jobs_from_waits([0.2] * 6),
        job((0.2, 0.2), outcome="failed"),
        job((0.2, 0.2), outcome="lost"),
        job(None, outcome="rejected", request_id=None, run_time=None),
        job(None, outcome="cancelled", run_time=None),  # the run's own choice: not counted
    ]
    result = goodput(records, [WAIT_UNDER_1S])
    assert result == Goodput(jobs=9, met=6, surely_met=6, possibly_met=6)
    assert result.share == pytest.approx(6 / 9)
    assert goodput(records, []).met == 6  # no targets: completed is enough


def test_goodput_bounds_follow_the_detection_intervals():
    records = [job((0.2, 0.4)), job((0.6, 1.2)), job((0.9, 1.5)), job((1.2, 2.0))]
    result = goodput(records, [WAIT_UNDER_1S])
    # midpoints 0.3, 0.9, 1.2, 1.6: two meet; whole intervals: one; some part: three
    assert (result.met, result.surely_met, result.possibly_met) == (2, 1, 3)
    assert result.to_dict() == {"jobs": 4, "met": 2, "share": 0.5, "share_low": 0.25,
                                "share_high": 0.75}  # fmt: skip


def test_goodput_needs_every_target():
    records = [job((0.2, 0.2), run_time=(3.0, 3.0)), job((0.2, 0.2), run_time=(0.5, 0.5))]
    targets = [WAIT_UNDER_1S, Target("run_time", _under_one)]
    assert goodput(records, targets).met == 1
    assert goodput(records, [Target("detection_delay", _under_one)]).met == 0  # unmeasured


def test_goodput_of_nothing():
    empty = goodput([], [WAIT_UNDER_1S])
    assert empty.share is None
    assert empty.to_dict()["share_low"] is None
    assert empty.to_dict()["share_high"] is None
