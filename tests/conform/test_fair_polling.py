"""Fair polling: a watched job never starves the others; lost means read unfinished at the
deadline. Unit tests of the schedule, and a whole run against a job stuck at the queue's head.
"""

from __future__ import annotations

from datetime import UTC, datetime

from harness.checks import Outcome
from harness.conform import ConformOptions, run_conformance
from harness.model import ModelConfig, ServiceTimes
from harness.secrets import Token
from harness.target import Target
from tests.conform.hostile import HostileMock, StuckAtHead

FAST = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.02, jitter_sigma=0.0), seed=7)


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
