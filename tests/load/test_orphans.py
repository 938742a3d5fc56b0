"""A dead worker's jobs: the master cancels those it never heard the end of (on the respx mock,
on its virtual clock), books each outcome, and sends nothing without a token."""

from __future__ import annotations

import httpx
import pytest

from harness.client import Client
from harness.load.measure.jobs import JobRecord
from harness.load.swarm.orphans import cancel_orphans
from harness.mock import MockApi
from harness.model import ModelConfig, ServiceTimes


def _record(request_id: str | None) -> JobRecord:
    return JobRecord("queue-latency", "fixed 1s", 0.0, 0.0, 0.0, request_id=request_id)


@pytest.fixture
def api() -> MockApi:
    one_gpu = ModelConfig(workers=1, times=ServiceTimes(time_per_step=1.0, jitter_sigma=0.0))
    return MockApi(config=one_gpu)


def test_queued_jobs_are_cancelled_running_ones_said_so(
    api: MockApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", api.token)
    with api, httpx.Client() as http:
        client = Client(api.base_url, api.token, http=http, clock=api.clock)
        body = {"image_url": api.sample_url(), "prompt": "snow"}
        ids = [client.submit(body).request_id for _ in range(3)]  # one GPU: 1 runs, 2 queue
        records = [_record(i) for i in ids] + [_record(None)]
        records[2].cleanup = "cancelled"  # already booked by its worker: left alone
        cancel_orphans(api.base_url, records, http=http)
        states = [client.status(i).status for i in ids]
    assert [r.cleanup for r in records] == ["not_cancellable", "cancelled", "cancelled", None]
    assert states[1] == "cancelled"
    assert states[0] != "cancelled"


def test_an_unknown_job_is_an_error_booked_not_raised(
    api: MockApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", api.token)
    rec = _record("00000000-0000-0000-0000-000000000000")
    with api, httpx.Client() as http:
        cancel_orphans(api.base_url, [rec], http=http)
    assert str(rec.cleanup).startswith("error: ")


def test_no_time_left_sends_nothing(api: MockApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", api.token)
    rec = _record("some-id")
    with api, httpx.Client() as http:
        cancel_orphans(api.base_url, [rec], http=http, budget=0.0)
        assert not api.router.calls
    assert rec.cleanup == "not sent: cleanup time spent"


def test_without_a_token_nothing_is_sent(api: MockApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNCOMFY_API_TOKEN", raising=False)
    rec = _record("some-id")
    with api, httpx.Client() as http:
        cancel_orphans(api.base_url, [rec], http=http)
        assert not api.router.calls
    assert rec.cleanup == "not sent: no RUNCOMFY_API_TOKEN in the master's environment"


def test_without_a_host_nothing_is_sent(api: MockApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", api.token)
    rec = _record("some-id")
    with api, httpx.Client() as http:
        cancel_orphans("", [rec], http=http)
        assert not api.router.calls
    assert rec.cleanup == "not sent: the master has no --host"
