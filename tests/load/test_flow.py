"""The load job flow on the respx mock's virtual clock: buckets, intervals against the model's
ground truth, every cancel moment, and violations judged by the check catalog's own rules
(each proven both ways: silent on the conformant mock, raised by exactly that fault)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest

from harness.client import Client
from harness.client.flows import Send, drive
from harness.client.policies import FixedInterval
from harness.client.transport import Received
from harness.load.measure.jobs import JobRecord
from harness.load.swarm.flow import CancelMoment, FlowSettings, LoadJob
from harness.mock import MockApi
from harness.model import FaultSet, ModelConfig
from harness.model.config import ServiceTimes

STEP = 0.1  # seconds per inference step: a default job runs ~0.95 s on the virtual clock


@dataclass
class Bench:
    api: MockApi
    http: httpx.Client
    client: Client

    @property
    def body(self) -> dict[str, object]:
        return {"image_url": self.api.sample_url(), "prompt": "x"}

    def job(self, cancel: CancelMoment | None = None, timeout: float = 60.0) -> LoadJob:
        settings = FlowSettings("t", FixedInterval(0.05), timeout=timeout, cancel=cancel)
        return LoadJob(self.client, self.http, settings, intended_at=self.api.clock.now() - 0.5)

    def run(self, job: LoadJob, body: object = None) -> JobRecord:
        rec: JobRecord = drive(job.flow(body or self.body), self.client.send, self.api.clock.sleep)
        return rec

    def occupy(self) -> None:
        """Keep the only GPU busy for a while, so the next job queues."""
        self.client.submit(self.body)

    def truth(self, request_id: str | None) -> dict[str, object]:
        return next(t for t in self.api.ground_truth() if t["request_id"] == request_id)


@contextmanager
def bench(*faults: str) -> Iterator[Bench]:
    config = ModelConfig(workers=1, times=ServiceTimes(time_per_step=STEP, jitter_sigma=0.0))
    faulty = FaultSet(dict.fromkeys(faults))
    with MockApi(config=config, faults=faulty) as api, httpx.Client() as http:
        yield Bench(api, http, Client(api.base_url, api.token, http=http, clock=api.clock))


def test_a_completed_job_has_intervals_around_the_truth_and_its_schedule_lag():
    with bench() as b:
        rec = b.run(b.job())
        truth = b.truth(rec.request_id)
    assert (rec.outcome, rec.final_status) == ("completed", "succeeded")
    started, finished = float(truth["started_at"]), float(truth["finished_at"])  # type: ignore[arg-type]
    assert rec.interval("run_time").contains(finished - started)  # type: ignore[union-attr]
    assert rec.interval("finished").contains(finished)  # type: ignore[union-attr]
    assert rec.schedule_lag == pytest.approx(0.5)
    assert rec.history is not None
    assert rec.polls is rec.history.polls  # the client's history, wrapped, not copied
    assert rec.terminal_seen is not None
    assert rec.result_read
    assert rec.bytes_sent > 0
    assert not rec.violations


def test_a_queued_job_has_a_queue_wait_around_the_truth():
    with bench() as b:
        b.occupy()
        rec = b.run(b.job())
        truth = b.truth(rec.request_id)
    wait = float(truth["started_at"]) - float(truth["submitted_at"])  # type: ignore[arg-type]
    assert wait > 0.5
    assert rec.interval("queue_wait").contains(wait, slack=1e-9)  # type: ignore[union-attr]
    assert rec.first_running_seen is not None


def test_rejected_and_lost_buckets():
    with bench("lose_jobs") as b:
        rec = b.run(b.job(), body={"prompt": 3})
        assert (rec.outcome, rec.request_id) == ("rejected", None)
        assert rec.reject_reason == "HTTP 422"
        lost = [b.run(b.job(timeout=5.0)) for _ in range(3)]  # every 3rd job never ends
    assert [r.outcome for r in lost].count("lost") == 1


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
def test_cancel_moments_on_the_conformant_mock(moment, bucket, outcome):
    with bench() as b:
        b.occupy()
        rec = b.run(b.job(moment))
        truth = b.truth(rec.request_id)
    assert rec.outcome == bucket
    assert truth["state"] == ("cancelled" if bucket == "cancelled" else "succeeded")
    assert rec.cancel is not None
    assert (rec.cancel.moment, rec.cancel.outcome, rec.cancel.http_status) == (moment, outcome, 202)
    assert not rec.violations


@pytest.mark.parametrize(
    ("fault", "moment", "rule"),
    [
        ("lose_cancel", CancelMoment.WHILE_QUEUED, "cancel: "),
        ("cancel_in_progress", CancelMoment.WHILE_RUNNING, "cancel: "),
        ("cancel_409", CancelMoment.AFTER_COMPLETION, "cancel: "),
        ("status_goes_back", None, "lifecycle-monotonic: "),
        ("terminal_unstable", CancelMoment.AFTER_COMPLETION, "terminal-stable: "),
    ],
)
def test_each_fault_is_a_violation_named_by_its_catalog_rule(fault, moment, rule):
    with bench(fault) as b:
        b.occupy()
        rec = b.run(b.job(moment))
    assert any(v.startswith(rule) for v in rec.violations), rec.violations


def test_an_abandoned_job_is_lost_with_what_was_seen():
    with bench() as b:
        b.occupy()
        job = b.job()
        assert job.abandon() is None  # nothing submitted yet: no record
        start = b.api.clock.now()

        class RunEnded(Exception):
            pass

        def sleep(seconds: float) -> None:  # the run's end kills the flow mid-queue
            if b.api.clock.now() + seconds > start + 0.5:
                raise RunEnded
            b.api.clock.sleep(seconds)

        with pytest.raises(RunEnded):
            drive(job.flow(b.body), b.client.send, sleep)
        rec = job.abandon()
        assert rec is not None
        assert drive(job.cleanup_flow(), b.client.send, b.api.clock.sleep) == "cancelled"
        assert b.truth(rec.request_id)["state"] == "cancelled"
    assert rec.outcome == "lost"
    assert rec.polls
    assert rec.polls[-1].phase.value == "queued"
    assert rec.interval("end_to_end") is None
    assert not rec.violations


def test_a_job_seen_finished_then_abandoned_keeps_its_bucket():
    with bench() as b:

        class RunEnded(Exception):
            pass

        def send(step: Send) -> Received:  # killed while reading /result
            if step.request.url.path.endswith("/result"):
                raise RunEnded
            return b.client.send(step)

        job = b.job()
        with pytest.raises(RunEnded):
            drive(job.flow(b.body), send, b.api.clock.sleep)
        rec = job.abandon()
        assert rec is not None
        assert drive(job.cleanup_flow(), b.client.send, b.api.clock.sleep) is None  # not queued
    assert (rec.outcome, rec.final_status) == ("completed", "done")
    assert rec.interval("end_to_end") is not None
    assert not rec.violations


def test_a_record_travels_whole():
    with bench() as b:
        b.occupy()
        rec = b.run(b.job(CancelMoment.WHILE_RUNNING))
    back = JobRecord.from_dict(rec.to_dict())
    assert back.to_dict() == rec.to_dict()
    assert back.polls == rec.polls
    assert back.interval("queue_wait") == rec.interval("queue_wait")


def test_pure_load_modules_do_not_import_locust():
    code = (
        "import sys, harness, harness.load, harness.load.run.report, "
        "harness.reports.load_html, harness.load.run.runner, harness.cli.load, harness.cli; "
        "print('locust' in sys.modules, 'gevent' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
