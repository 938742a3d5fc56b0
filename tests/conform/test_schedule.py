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
