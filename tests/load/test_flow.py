"""The job flow against a scripted server on a virtual clock: buckets, cancels, violations."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness.client.policies import FixedInterval
from harness.client.protocol import Call
from harness.clock import VirtualClock
from harness.load.swarm.flow import Answer, CancelMoment, FlowSettings, JobFlow


class Scripted:
    """One job: queued until `start`, running until `end`; cancellable while queued."""

    def __init__(self, clock: VirtualClock, start: float, end: float, *, lie: bool = False):
        self.clock, self.start, self.end = clock, clock.now() + start, clock.now() + end
        self.cancelled = False
        self.lie = lie  # says 'cancelled' but runs anyway
        self.submit_status = 200

    def state(self) -> str:
        now = self.clock.now()
        if self.cancelled and not self.lie:
            return "cancelled"
        return "in_queue" if now < self.start else "in_progress" if now < self.end else "completed"

    def __call__(self, call: Call) -> Answer:
        t = self.clock.now()
        self.clock.advance(0.001)
        if call.endpoint == "submit":
            body = {"request_id": "job-1"} if self.submit_status == 200 else {"error_code": 400004}
            return self._answer(self.submit_status, body, t)
        if call.endpoint == "cancel":
            ok = self.state() == "in_queue"
            self.cancelled = self.cancelled or ok or self.lie
            outcome = "cancelled" if ok or self.lie else "not_cancellable"
            return self._answer(202, {"request_id": "job-1", "outcome": outcome}, t)
        state = self.state()
        if call.endpoint == "result":
            state = {"completed": "succeeded"}.get(state, state)
        return self._answer(200, {"request_id": "job-1", "status": state}, t)

    def _answer(self, status: int, body: dict[str, object], t: float) -> Answer:
        return Answer(status, json.dumps(body).encode(), t, self.clock.now(), 10)


def _run(server: Scripted, clock: VirtualClock, cancel: CancelMoment | None = None, **kw):
    settings = FlowSettings("t", FixedInterval(0.1), timeout=kw.pop("timeout", 60), cancel=cancel)
    flow = JobFlow(server, clock.sleep, clock.now, settings, **kw)
    return flow, flow.run({"prompt": "x"}, intended_at=clock.now() - 0.5)


def test_a_completed_job_has_its_intervals_and_schedule_lag():
    clock = VirtualClock()
    _, rec = _run(Scripted(clock, 1.0, 3.0), clock)
    assert rec.outcome == "completed"
    assert rec.final_status == "succeeded"
    assert rec.interval("queue_wait").contains(1.0)  # type: ignore[union-attr]
    assert rec.interval("run_time").contains(2.0)  # type: ignore[union-attr]
    assert rec.schedule_lag == pytest.approx(0.5)
    assert rec.first_running_seen is not None
    assert rec.terminal_seen is not None
    assert len(rec.polls) >= 30
    assert not rec.violations


def test_rejected_and_lost_buckets():
    clock = VirtualClock()
    server = Scripted(clock, 1.0, 3.0)
    server.submit_status = 400
    _, rec = _run(server, clock)
    assert rec.outcome == "rejected"
    assert rec.request_id is None
    _, rec = _run(Scripted(clock, 1.0, 100.0), clock, timeout=2.0)
    assert rec.outcome == "lost"


@pytest.mark.parametrize(
    ("moment", "bucket", "outcome"),
    [
        (CancelMoment.AFTER_SUBMIT, "cancelled", "cancelled"),
        (CancelMoment.WHILE_QUEUED, "cancelled", "cancelled"),
        (CancelMoment.WHILE_RUNNING, "completed", "not_cancellable"),
        (CancelMoment.AFTER_COMPLETION, "completed", "not_cancellable"),
        (CancelMoment.TWICE, "cancelled", "cancelled"),
    ],
)
def test_cancel_moments(moment, bucket, outcome):
    clock = VirtualClock()
    _, rec = _run(Scripted(clock, 1.0, 2.0), clock, moment)
    assert rec.outcome == bucket
    assert rec.cancel is not None
    assert rec.cancel.outcome == outcome
    assert not rec.violations


def test_a_job_reported_cancelled_that_completes_is_a_violation():
    clock = VirtualClock()
    _, rec = _run(Scripted(clock, 1.0, 2.0, lie=True), clock, CancelMoment.AFTER_SUBMIT)
    assert rec.outcome == "completed"
    assert any("reported cancelled" in v for v in rec.violations)


class RefusesThenCancels(Scripted):
    """Answers not_cancellable while queued, yet cancels the job, spelling it `canceled`."""

    def __call__(self, call: Call) -> Answer:
        if call.endpoint == "cancel":
            t = self.clock.now()
            self.cancelled = True
            return self._answer(202, {"request_id": "job-1", "outcome": "not_cancellable"}, t)
        answer = super().__call__(call)
        body = answer.body.replace(b'"cancelled"', b'"canceled"')
        return Answer(answer.status, body, answer.sent_at, answer.received_at, 10)


def test_a_refused_cancel_that_still_cancels_is_a_violation_in_either_spelling():
    clock = VirtualClock()
    _, rec = _run(RefusesThenCancels(clock, 1.0, 2.0), clock, CancelMoment.AFTER_SUBMIT)
    assert any("cancel refused, yet the job ended cancelled" in v for v in rec.violations)


def test_an_abandoned_job_is_lost_with_what_was_seen():
    clock = VirtualClock()
    server = Scripted(clock, 1.0, 2.0)
    settings = FlowSettings("t", FixedInterval(0.1))
    flow = JobFlow(server, clock.sleep, clock.now, settings)
    flow.record = None
    assert flow.abandon() is None

    class RunEnded(Exception):
        pass

    def sleep(seconds: float) -> None:  # the run's end kills the flow at 1.5 s, mid-run
        if clock.now() + seconds > start + 1.5:
            raise RunEnded
        clock.sleep(seconds)

    start = clock.now()
    flow = JobFlow(server, sleep, clock.now, settings)
    with pytest.raises(RunEnded):
        flow.run({"prompt": "x"}, intended_at=start)
    rec = flow.abandon()
    assert rec is not None
    assert rec.outcome == "lost"
    assert rec.polls
    assert rec.polls[-1][2] == "in_progress"
    assert rec.interval("queue_wait").contains(1.0)  # type: ignore[union-attr]
    assert rec.interval("end_to_end") is None
    assert not rec.violations


def test_a_job_seen_finished_then_abandoned_is_not_lost():
    clock = VirtualClock()
    server = Scripted(clock, 1.0, 2.0)

    class RunEnded(Exception):
        pass

    def send(call: Call) -> Answer:  # the run's end kills the flow while it reads /result
        if call.endpoint == "result":
            raise RunEnded
        return server(call)

    flow = JobFlow(send, clock.sleep, clock.now, FlowSettings("t", FixedInterval(0.1)))
    with pytest.raises(RunEnded):
        flow.run({"prompt": "x"}, intended_at=clock.now())
    rec = flow.abandon()
    assert rec is not None
    assert rec.outcome == "completed"
    assert rec.final_status == "done"
    assert rec.interval("end_to_end").contains(2.0)  # type: ignore[union-attr]
    assert not rec.violations


def test_pure_load_modules_do_not_import_locust():
    code = (
        "import sys, harness, harness.load, harness.load.run.report, harness.reports.load_html, "
        "harness.load.run.runner, harness.cli.load, harness.cli; "
        "print('locust' in sys.modules, 'gevent' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
