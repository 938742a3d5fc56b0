"""Intervals pinned on hand-computed figures: bounds, edges and both sides of each comparison."""

from __future__ import annotations

import pytest

from harness.client.records import History, JobStatus, Poll
from harness.load.measure.intervals import Interval, JobTimes, job_times


def _poll(sent: float, word: str | None) -> Poll:
    status = None if word is None else JobStatus("r", word, None, raw={})
    return Poll(sent, sent + 0.25, status, None if status else "timeout")


def _history(*polls: tuple[float, str | None]) -> History:
    h = History("r", submit_sent=10.0, submit_acked=10.5)
    h.polls.extend(_poll(sent, word) for sent, word in polls)
    return h


def test_an_interval_may_be_a_point_but_never_inverted():
    assert Interval(2.0, 2.0).width == 0.0
    with pytest.raises(ValueError, match=r"^interval upper 1\.0 < lower 2\.0$"):
        Interval(2.0, 1.0)


def test_point_and_width():
    iv = Interval(1.0, 4.0)
    assert iv.point == 2.5
    assert iv.width == 3.0


def test_contains_includes_both_bounds_and_only_the_given_slack():
    iv = Interval(1.0, 2.0)
    assert iv.contains(1.0)
    assert iv.contains(2.0)
    assert iv.contains(1.5)
    assert not iv.contains(0.999)
    assert not iv.contains(2.001)
    assert iv.contains(0.5, slack=0.5)
    assert iv.contains(2.5, slack=0.5)
    assert not iv.contains(0.49, slack=0.5)
    assert not iv.contains(2.51, slack=0.5)


def test_minus_takes_the_extreme_differences_floored_at_zero():
    diff = Interval(5.0, 9.0).minus(Interval(1.0, 2.0))
    assert (diff.lower, diff.upper) == (3.0, 8.0)
    overlap = Interval(1.0, 3.0).minus(Interval(2.0, 4.0))
    assert (overlap.lower, overlap.upper) == (0.0, 1.0)
    before = Interval(1.0, 2.0).minus(Interval(3.0, 4.0))
    assert (before.lower, before.upper) == (0.0, 0.0)


def test_job_times_durations_from_hand_made_intervals():
    times = JobTimes(Interval(0.0, 1.0), Interval(3.0, 4.0), Interval(10.0, 12.0))
    assert times.queue_wait == Interval(2.0, 4.0)
    assert times.run_time == Interval(6.0, 9.0)
    assert times.end_to_end == Interval(9.0, 12.0)
    assert times.detection_delay == Interval(0.0, 2.0)


def test_job_times_without_start_or_finish():
    created = Interval(0.0, 1.0)
    never = JobTimes(created, None, None)
    assert never.queue_wait is None
    assert never.run_time is None
    assert never.end_to_end is None
    assert never.detection_delay is None
    running = JobTimes(created, Interval(3.0, 4.0), None)
    assert running.queue_wait == Interval(2.0, 4.0)
    assert running.run_time is None
    assert running.end_to_end is None
    finished_unseen_start = JobTimes(created, None, Interval(5.0, 6.0))
    assert finished_unseen_start.run_time is None
    assert finished_unseen_start.end_to_end == Interval(4.0, 6.0)


def test_job_times_crossings_start_at_the_last_read_before():
    h = _history((11.0, "in_queue"), (12.0, "in_queue"), (13.0, "in_progress"), (15.0, "completed"))
    times = job_times(h)
    assert times.created == Interval(10.0, 10.5)
    assert times.started == Interval(12.0, 13.25)
    assert times.finished == Interval(13.0, 15.25)


def test_a_failed_read_does_not_narrow_a_crossing():
    h = _history((11.0, "in_queue"), (12.0, None), (13.0, "in_progress"), (14.0, None))
    h.polls.append(_poll(15.0, "completed"))
    times = job_times(h)
    assert times.started == Interval(11.0, 13.25)
    assert times.finished == Interval(13.0, 15.25)


def test_a_first_read_past_the_crossing_starts_at_the_submit():
    times = job_times(_history((12.0, "completed")))
    assert times.started == Interval(10.0, 12.25)
    assert times.finished == Interval(10.0, 12.25)


def test_a_job_never_seen_running_or_done_has_no_crossings():
    times = job_times(_history((11.0, "in_queue"), (12.0, None)))
    assert times.started is None
    assert times.finished is None


def test_a_cancelled_job_has_no_start_but_a_finish():
    times = job_times(_history((11.0, "in_queue"), (12.0, "cancelled")))
    assert times.started is None
    assert times.finished == Interval(11.0, 12.25)
    ran = job_times(_history((11.0, "in_progress"), (12.0, "failed")))
    assert ran.started == Interval(10.0, 11.25)
