"""The OBSERVE check `timestamps`: format, null while pending, duration within client bounds.

It records; it never fails, whatever the server's clock or format.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pytest

from harness.cases import Case
from harness.checks import CHECKS, CheckContext, JobRecord, Level, Observations, Outcome, Read
from harness.checks.timestamps import end_to_end_bounds
from harness.evidence import Exchange
from tests.conform.test_mutation import run_mock

URL = "http://api.test/v1/requests/r1/"


def _read(endpoint: str, sent: float, received: float, body: dict[str, Any]) -> Read:
    exchange = Exchange(
        "GET", URL + endpoint, {}, "", 200, {}, json.dumps(body), sent_at=sent, received_at=received
    )
    return Read.of(endpoint, exchange, received)


def _job(created: Any, finished: Any, pending_finished: Any = None) -> JobRecord:
    submit = _read("submit", 100.0, 100.1, {"request_id": "r1"})
    job = JobRecord("r1", Case("c", True), submit)
    job.statuses = [
        _read("status", 100.5, 100.6, {"status": "in_queue", "queue_position": 0}),
        _read("status", 101.0, 101.1, {"status": "in_progress"}),
        _read("status", 102.0, 102.1, {"status": "completed"}),
    ]
    job.pending_results = [
        _read("result", 100.6, 100.7, {"status": "in_queue", "created_at": created,
                                       "finished_at": pending_finished}),
    ]  # fmt: skip
    final = {"status": "succeeded", "created_at": created, "finished_at": finished}
    job.final_result = _read("result", 102.2, 102.3, final)
    return job


def _run(*jobs: JobRecord) -> Any:
    obs = Observations()
    obs.jobs = {j.request_id: j for j in jobs}
    ctx = cast(CheckContext, type("Ctx", (), {"obs": obs})())
    return CHECKS["timestamps"].run(ctx)


def test_registered_as_observe_with_the_contract_rule():
    check = CHECKS["timestamps"]
    assert check.level is Level.OBSERVE
    assert check.rule.id == "result.timestamps"


def test_client_bounds_follow_metrics_md():
    # created in [100.0, 100.1]; finished after the in_progress read was sent (101.0) and before
    # the completed read came back (102.1)
    assert end_to_end_bounds(_job(None, None)) == (pytest.approx(0.9), pytest.approx(2.1))


@pytest.mark.parametrize(
    ("created", "finished", "form", "within"),
    [
        ("1970-01-01T00:01:40.050Z", "1970-01-01T00:01:41.550Z", "iso8601_utc_z", "1/1"),
        ("1970-01-01T01:01:40.05+01:00", "1970-01-01T01:01:41.55+01:00", "iso8601_offset", "1/1"),
        (100.05, 101.55, "epoch", "1/1"),
        (7100.05, 7101.55, "epoch", "1/1"),  # a server clock two hours off: the duration agrees
        ("1970-01-01T00:01:40.050Z", "1970-01-01T00:01:45.000Z", "iso8601_utc_z", "0/1"),
    ],
)
def test_observed_with_format_and_agreement(created, finished, form, within):
    finding = _run(_job(created, finished))
    assert finding.outcome is Outcome.OBSERVED
    assert f"created_at {form}" in finding.message
    assert f"within client end-to-end bounds {within}" in finding.message
    assert "finished_at null on 1/1 pending reads" in finding.message
    if within == "0/1":
        assert "outside: r1: 4.950s vs [0.900, 2.100]" in finding.message


def test_unparseable_and_non_null_pending_are_observed_not_failed():
    finding = _run(_job("last tuesday", "2026-01-01T00:00:00Z", pending_finished="soon"))
    assert finding.outcome is Outcome.OBSERVED
    assert "created_at other x2" in finding.message
    assert "finished_at null on 0/1 pending reads" in finding.message
    assert "no finished job had both stamps parsed" in finding.message


def test_skipped_when_no_result_was_read():
    job = _job(None, None)
    job.final_result, job.pending_results = None, []
    finding = _run(job)
    assert finding.outcome is Outcome.SKIPPED
    assert "no /result was read" in finding.message


def test_clean_mock_every_finished_job_within_bounds():
    result = run_mock()
    finding = next(f for f in result.findings if f.check_id == "timestamps")
    assert finding.outcome is Outcome.OBSERVED
    assert "created_at iso8601_utc_z" in finding.message
    done = finding.message.split("within client end-to-end bounds ")[1].split(" ")[0].rstrip(";")
    got, of = done.split("/")
    assert got == of, finding.message
    assert int(of) > 0, finding.message
