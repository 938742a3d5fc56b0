"""The fair poll schedule: a watched job never starves the others; a job is read at its
deadline before it can be called lost."""

from __future__ import annotations

import itertools

import pytest

from harness.conform.schedule import PollSchedule


def drive(schedule: PollSchedule, until: float) -> dict[str, list[float]]:
    """Read whatever is due, in order, on a clock that jumps to each due time."""
    reads: dict[str, list[float]] = {}
    while (due := schedule.next()) is not None and due[1] <= until:
        rid, at = due
        reads.setdefault(rid, []).append(at)
        schedule.read(rid, at)
        if schedule.past_deadline(rid, at):
            schedule.remove(rid)
    return reads


def test_a_watched_job_does_not_starve_the_others() -> None:
    schedule = PollSchedule(interval=1.0, fast_interval=0.1)
    for i in range(20):
        schedule.add(f"job{i}", 0.0, deadline=30.0)
    schedule.watch("job0", 0.0)
    reads = drive(schedule, until=29.99)
    assert len(reads["job0"]) >= 290  # the watched job: every 0.1 s
    for i in range(1, 20):
        times = reads[f"job{i}"]
        assert len(times) == 30, (i, len(times))  # every other job: every 1 s, none skipped
        assert max(b - a for a, b in itertools.pairwise(times)) == pytest.approx(1.0)


def test_a_job_is_read_at_its_deadline_before_it_can_be_called_lost() -> None:
    schedule = PollSchedule(interval=1.0, fast_interval=0.5)
    schedule.add("a", 0.0, deadline=2.5)
    reads = drive(schedule, until=10.0)
    assert reads["a"] == [0.0, 1.0, 2.0, 2.5]  # the last read is at the deadline, not past it
    assert "a" not in schedule


def test_ties_go_to_the_job_added_first_and_bad_intervals_are_refused() -> None:
    schedule = PollSchedule(interval=1.0, fast_interval=1.0)
    for name in ("b", "a", "c"):
        schedule.add(name, 5.0, deadline=9.0)
    assert schedule.next() == ("b", 5.0)
    schedule.read("b", 5.0)
    assert schedule.next() == ("a", 5.0)
    with pytest.raises(ValueError, match="interval"):
        PollSchedule(interval=1.0, fast_interval=2.0)
    with pytest.raises(ValueError, match="interval"):
        PollSchedule(interval=0.0, fast_interval=0.0)


def test_bounds_of_the_intervals() -> None:
    PollSchedule(interval=1.0, fast_interval=1.0)  # a watch as slow as the rest is allowed
    for interval, fast in ((1.0, 0.0), (-1.0, -2.0), (0.0, 0.0), (1.0, -0.5)):
        with pytest.raises(ValueError, match="interval"):
            PollSchedule(interval=interval, fast_interval=fast)


def test_add_remove_watch_and_unknown_ids() -> None:
    schedule = PollSchedule(interval=1.0, fast_interval=0.25)
    schedule.add("late", 5.0, deadline=3.0)  # added after its deadline: due at the deadline
    assert schedule.next() == ("late", 3.0)
    schedule.add("a", 0.0, deadline=9.0)
    schedule.add("late", 5.0, deadline=3.0)  # added again: keeps its place in the order
    assert len(schedule) == 2
    assert "a" in schedule
    schedule.read("ghost", 1.0)  # an id never added: nothing happens
    schedule.watch("ghost", 1.0)
    assert "ghost" not in schedule
    schedule.read("a", 0.0)
    assert schedule.next() == ("a", 1.0)
    schedule.remove("late")
    schedule.remove("late")  # twice: no error
    assert schedule.next() == ("a", 1.0)
    schedule.watch("a", 0.5)  # watched from now: due one fast interval on, if that is sooner
    assert schedule.next() == ("a", 0.75)
    schedule.watch("a", 0.9)  # never later than it already was
    assert schedule.next() == ("a", 0.75)
    schedule.read("a", 0.75)
    assert schedule.next() == ("a", 1.0)
    schedule.remove("a")
    assert schedule.watched is None
    assert schedule.next() is None
    assert len(schedule) == 0


def test_read_at_the_deadline_moves_on_and_past_deadline_is_inclusive() -> None:
    schedule = PollSchedule(interval=1.0, fast_interval=0.5)
    schedule.add("a", 0.0, deadline=2.0)
    schedule.read("a", 2.0)  # read exactly at the deadline: next one interval on, not again now
    assert schedule.next() == ("a", 3.0)
    assert schedule.past_deadline("a", 2.0)
    assert not schedule.past_deadline("a", 1.999)
    assert not schedule.past_deadline("unknown", 1e12)
    schedule.watch("b", 0.0)
    schedule.remove("c")
    assert schedule.watched == "b"  # removing another job leaves the watch alone
