"""Fair polling: a watched job never starves the others; lost means read unfinished at the
deadline. Unit tests of the schedule, and a whole run against a job stuck at the queue's head.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from harness.checks import Outcome
from harness.conform import ConformOptions, run_conformance
from harness.conform.schedule import PollSchedule
from harness.model import ModelConfig, ServiceTimes
from harness.secrets import Token
from harness.target import Target
from tests.conform.hostile import HostileMock, StuckAtHead

FAST = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.02, jitter_sigma=0.0), seed=7)


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


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()


def test_a_job_stuck_at_the_head_is_lost_alone_and_every_other_job_is_read() -> None:
    stuck = StuckAtHead(3)  # the 4th job: the first one watched for its start
    with HostileMock(stuck, config=FAST) as api:
        target = Target(api.base_url, Token(api.tokens[0]), Token(api.tokens[1]), api.sample_url())
        start = api.clock.now()
        options = ConformOptions(max_jobs=21, poll_interval=0.05, job_timeout=5.0, examples=10)
        result = run_conformance(target, options, clock=api.clock)
    workload = [j for j in result.jobs if j.origin == "workload"]
    lost = [j for j in workload if j.state == "lost"]
    assert [j.request_id for j in lost] == [stuck.stuck]
    # lost only after a read at its deadline; watched on the fast interval all along
    assert _stamp(str(lost[0].last_read)) >= start + 5.0
    assert lost[0].reads >= 5.0 / 0.05  # read on schedule all the way to its deadline
    others = [j for j in workload if j is not lost[0]]
    assert len(others) == 18
    assert all(j.state in ("completed", "cancelled") for j in others), others
    assert min(j.reads for j in others) >= 2
    assert lost[0].reads > max(j.reads for j in others)  # it was watched for its start a while
    finishes = next(f for f in result.findings if f.check_id == "job-finishes")
    assert finishes.outcome is Outcome.FAILED
    assert finishes.message.startswith("1 of 19 jobs lost")
    # the watch moved on once a job behind it started, and caught another one's start
    at_start = next(f for f in result.findings if f.check_id == "cancel-at-start")
    assert at_start.outcome is Outcome.PASSED
