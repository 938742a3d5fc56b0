"""Timeline curves, certain parallelism and saturated throughput pinned on hand-made jobs.

Every start/finish interval is (x - 0.5, x + 0.5), so its point value is x exactly; the grid
instants were chosen so that jobs start, finish and arrive exactly on some of them.
"""

from __future__ import annotations

from harness.client.records import History, JobStatus, Poll
from harness.load.measure.jobs import JobRecord
from harness.load.measure.timeline import (
    Timeline,
    build_timeline,
    max_concurrent_running,
    saturated_throughput,
)


def _rec(
    rid: str | None, sent: float, acked: float, start: float | None = None,
    finish: float | None = None, seen: float | None = None,
) -> JobRecord:  # fmt: skip
    rec = JobRecord("s", "p", sent, sent, acked, request_id=rid)
    if seen is not None and rid is not None:  # first seen terminal: a read received at `seen`
        done = Poll(seen - 0.1, seen, JobStatus(rid, "completed", None, raw={}))
        rec.history = History(rid, sent, acked, polls=[done])
    if start is not None:
        rec.intervals["started"] = (start - 0.5, start + 0.5)
    if finish is not None:
        rec.intervals["finished"] = (finish - 0.5, finish + 0.5)
    return rec


def _jobs() -> list[JobRecord]:
    return [
        _rec("a", 0.0, 0.5, start=1.5, finish=3.5, seen=4.0),
        _rec("b", 1.0, 1.0),  # queued to the end
        _rec("d", 0.2, 0.7, finish=2.5, seen=3.0),  # cancelled while queued
        _rec("e", 0.0, 2.0, start=3.0, finish=4.0, seen=4.5),
        _rec(None, -5.0, 30.0, seen=40.0),  # refused: not on the timeline
    ]


def test_timeline_on_a_one_second_grid():
    assert build_timeline(_jobs(), step=1.0) == Timeline(
        t=[0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        queued=[0, 3, 3, 1, 1, 1],
        running=[0, 0, 1, 2, 0, 0],
        completions_per_s=[0.0, 0.0, 0.0, 1.0, 2.0, 0.0],
        submits_per_s=[0.0, 3.0, 1.0, 0.0, 0.0, 0.0],
    )


def test_timeline_rates_are_per_second_on_a_two_second_grid():
    assert build_timeline(_jobs(), step=2.0) == Timeline(
        t=[0.0, 2.0, 4.0, 6.0],
        queued=[0, 3, 1, 1],
        running=[0, 1, 0, 0],
        completions_per_s=[0.0, 0.0, 1.5, 0.0],
        submits_per_s=[0.0, 2.0, 0.0, 0.0],
    )


def test_timeline_starts_at_the_first_submit_and_steps_half_seconds_by_default():
    jobs = [_rec("x", 3.0, 3.25, seen=4.0), _rec("y", 2.0, 2.5)]
    timeline = build_timeline(jobs)
    assert timeline.t == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert timeline.submits_per_s == [0.0, 2.0, 0.0, 2.0, 0.0, 0.0]
    late_ack = [_rec("z", 0.0, 2.0, seen=1.0)]  # the ack, not the earlier sighting, ends it
    assert build_timeline(late_ack, step=1.0).t == [0.0, 1.0, 2.0, 3.0]


def test_no_accepted_job_means_an_empty_timeline():
    empty = Timeline([], [], [], [], [])
    assert build_timeline([]) == empty
    assert build_timeline([_rec(None, 0.0, 1.0)]) == empty


def test_certain_parallelism_counts_from_the_latest_start_to_the_earliest_finish():
    x = JobRecord(
        "s", "p", 0, 0, 0, request_id="x", intervals={"started": (0, 1), "finished": (3, 4)}
    )
    w = JobRecord(
        "s", "p", 0, 0, 0, request_id="w", intervals={"started": (1.5, 2), "finished": (4, 5)}
    )
    y = JobRecord(
        "s", "p", 0, 0, 0, request_id="y", intervals={"started": (0, 3), "finished": (5, 6)}
    )
    unsure = JobRecord("s", "p", 0, 0, 0, intervals={"started": (0, 2.5), "finished": (2.5, 6)})
    unfinished = JobRecord("s", "p", 0, 0, 0, intervals={"started": (0, 0.5)})
    unstarted = JobRecord("s", "p", 0, 0, 0, intervals={"finished": (0, 0.5)})
    # x and w overlap on [2, 3]; y starts (3) as x finishes (3): the finish counts first
    assert max_concurrent_running([x, w, y, unsure, unfinished, unstarted]) == 2
    assert max_concurrent_running([x]) == 1
    assert max_concurrent_running([unsure, unfinished]) == 0


def _queueing() -> list[JobRecord]:
    return [
        _rec("j1", 0.0, 0.0, start=1.0, finish=3.0),
        _rec("j2", 0.5, 0.5, start=3.0, finish=5.0),  # finishes as the queue empties: outside
        _rec("j3", 2.0, 2.0, start=5.0, finish=7.0),  # queue (0, 5)
        _rec("j4", 10.0, 10.0, start=11.0, finish=12.0),
        _rec("j5", 10.5, 10.5, finish=11.5),  # cancelled while queued: queue (10, 11.5)
        _rec("j6", 8.0, 8.0, start=8.0, finish=11.0),  # never waited; finishes inside
        _rec("j8", 6.0, 6.0, start=6.0, finish=10.0),  # finishes as a queue forms: outside
        _rec(None, 20.0, 20.0, start=21.0, finish=22.0),  # refused: forms no queue
    ]


def test_saturated_throughput_is_finishes_inside_queue_periods_over_their_length():
    assert saturated_throughput(_queueing(), min_finishes=2) == 2 / 6.5
    assert saturated_throughput(_queueing(), min_finishes=1) == 2 / 6.5
    assert saturated_throughput(_queueing(), min_finishes=3) is None
    assert saturated_throughput([], min_finishes=0) is None


def test_saturated_throughput_needs_ten_finishes_by_default():
    blocker = _rec("k", 0.0, 0.0, finish=100.0)  # waits the whole run: one queue (0, 100)
    served = [_rec(f"s{i}", i, i, start=i, finish=i + 0.5) for i in range(1, 11)]
    assert saturated_throughput([blocker, *served]) == 10 / 100
    assert saturated_throughput([blocker, *served[:9]]) is None


def test_a_job_still_running_at_the_end_counts_as_running():
    running = _rec("g", 0.0, 0.5, start=1.0)  # started, never seen finishing
    timeline = build_timeline([running], step=1.0)
    assert (timeline.t, timeline.queued, timeline.running) == ([0.0, 1.0], [0, 0], [0, 1])


def test_a_finish_only_ends_its_own_job():
    a = JobRecord("s", "p", 0, 0, 0, intervals={"started": (0, 1), "finished": (2, 3)})
    b = JobRecord("s", "p", 0, 0, 0, intervals={"started": (0, 3), "finished": (4, 5)})
    c = JobRecord("s", "p", 0, 0, 0, intervals={"started": (0, 3.5), "finished": (4, 5)})
    assert max_concurrent_running([a, b, c]) == 2


def test_a_short_queue_period_still_gives_a_rate():
    blocker = _rec("k", 0.0, 0.0, finish=0.5)  # cancelled while queued: queue (0, 0.5)
    served = _rec("s", 0.0, 0.0, start=0.0, finish=0.25)
    assert saturated_throughput([blocker, served], min_finishes=1) == 1 / 0.5


def test_a_job_that_never_started_is_not_a_completion():
    cancelled = _rec("c", 10.2, 10.2, finish=11.2)  # inside the queue (10, 11.5), never ran
    assert saturated_throughput([*_queueing(), cancelled], min_finishes=2) == 2 / 6.5
