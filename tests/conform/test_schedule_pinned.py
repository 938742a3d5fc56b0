"""Fair polling pinned: due times, ties, the watched job, deadlines and the lost verdict."""

from __future__ import annotations

import pytest

from harness.conform.schedule import PollSchedule


@pytest.mark.parametrize(("interval", "fast"), [(0.0, 0.0), (-1.0, -2.0), (1.0, 0.0), (1.0, 1.5)])
def test_intervals_must_be_positive_and_fast_at_most_the_normal(interval, fast):
    with pytest.raises(ValueError, match=r"^need 0 < fast_interval <= interval$"):
        PollSchedule(interval, fast)


def test_fast_may_equal_the_interval():
    assert PollSchedule(1.0, 1.0).fast_interval == 1.0


def test_an_empty_schedule_has_nothing_next():
    s = PollSchedule(1.0, 0.25)
    assert s.next() is None
    assert len(s) == 0
    assert "a" not in s


def test_a_new_job_is_due_at_once_but_never_after_its_deadline():
    s = PollSchedule(1.0, 0.25)
    s.add("a", now=5.0, deadline=9.0)
    s.add("b", now=5.0, deadline=4.0)
    assert s.next() == ("b", 4.0)
    s.remove("b")
    assert s.next() == ("a", 5.0)
    assert "a" in s
    assert "b" not in s
    assert len(s) == 1


def test_ties_go_to_the_job_added_first_even_when_re_added():
    s = PollSchedule(1.0, 0.25)
    s.add("a", 0.0, 10.0)
    s.add("b", 0.0, 10.0)
    assert s.next() == ("a", 0.0)
    s.read("a", 0.0)
    assert s.next() == ("b", 0.0)
    s.read("b", 0.0)
    s.add("b", 1.0, 10.0)  # re-added: keeps its first place in the order
    s.add("c", 1.0, 10.0)
    assert s.next() == ("a", 1.0)
    s.remove("a")
    assert s.next() == ("b", 1.0)


def test_a_read_moves_the_job_one_interval_on_capped_by_its_deadline():
    s = PollSchedule(2.0, 0.5)
    s.add("a", 0.0, 5.0)
    s.read("a", 1.0)
    assert s.next() == ("a", 3.0)
    s.read("a", 4.0)
    assert s.next() == ("a", 5.0)  # capped: the last read lands on the deadline
    s.read("a", 5.0)
    assert s.next() == ("a", 7.0)  # a read at the deadline moves on as usual
    s.read("unknown", 1.0)  # a job not scheduled is ignored
    assert len(s) == 1


def test_the_watched_job_is_read_on_the_fast_interval():
    s = PollSchedule(2.0, 0.5)
    s.add("a", 0.0, 100.0)
    s.add("b", 0.0, 100.0)
    s.read("a", 0.0)
    s.read("b", 0.0)
    s.watch("b", 0.1)
    assert s.watched == "b"
    assert s.next() == ("b", 0.6)  # pulled in: now + fast
    s.read("b", 0.6)
    assert s.next() == ("b", 1.1)
    s.read("a", 2.0)
    assert s.next() == ("b", 1.1)
    s.watch("a", 10.0)  # already due sooner: the watch never delays a read
    assert s.next() == ("b", 1.1)
    s.read("a", 3.0)
    assert s.next() == ("b", 1.1)
    s.remove("b")
    assert s.next() == ("a", 3.5)
    s.remove("a")
    assert s.watched is None


def test_watching_nothing_or_an_unknown_job():
    s = PollSchedule(2.0, 0.5)
    s.add("a", 0.0, 100.0)
    s.read("a", 0.0)
    s.watch("ghost", 0.0)
    assert s.watched == "ghost"
    assert "ghost" not in s
    s.watch(None, 0.0)
    assert s.watched is None
    s.remove("a")  # not watched: the watch stays as it was
    s.watch("x", 0.0)
    s.remove("a")
    assert s.watched == "x"


def test_past_deadline_is_at_or_after_it():
    s = PollSchedule(1.0, 0.5)
    s.add("a", 0.0, 5.0)
    assert not s.past_deadline("a", 4.999)
    assert s.past_deadline("a", 5.0)
    assert s.past_deadline("a", 6.0)
    assert not s.past_deadline("unknown", 1e12)


def test_a_job_removed_and_added_again_keeps_its_first_place():
    s = PollSchedule(1.0, 0.25)
    s.add("a", 0.0, 10.0)
    s.add("b", 0.0, 10.0)
    s.remove("a")
    s.add("a", 0.0, 10.0)
    assert s.next() == ("a", 0.0)
