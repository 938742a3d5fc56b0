"""Ctrl-C: the run stops, cancels what it started, and accounts for every job it created.

The runner runs in-process against a live emulator; an httpx response hook raises
KeyboardInterrupt once, at the first status read that shows a queued job (a condition, not a
timer), exactly where a real Ctrl-C would land: inside an HTTP call of the workload.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from harness.checks import CHECKS, Outcome
from harness.conform import ConformOptions, RunFinished, run_conformance
from harness.emulator import EmulatorServer
from harness.model import ModelConfig, ServiceTimes
from harness.reports.conform_json import JsonReport
from harness.secrets import Token
from harness.target import Target

pytestmark = pytest.mark.live

# Slow enough that the burst is still queued when the interrupt lands.
SLOW = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.05, jitter_sigma=0.0), seed=1)


class InterruptAtFirstQueuedRead:
    def __init__(self) -> None:
        self.fired = False

    def __call__(self, response: httpx.Response) -> None:
        if self.fired or not response.request.url.path.endswith("/status"):
            return
        response.read()
        if b'"in_queue"' in response.content:
            self.fired = True
            raise KeyboardInterrupt


def test_interrupt_cancels_and_accounts_for_every_job(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    events: list[object] = []
    hook = InterruptAtFirstQueuedRead()
    with EmulatorServer(SLOW) as server, httpx.Client(event_hooks={"response": [hook]}) as http:
        target = Target(server.base_url, Token(server.token), None, server.sample_url())
        options = ConformOptions(max_jobs=8, examples=3, poll_interval=0.02, job_timeout=30)
        result = run_conformance(
            target, options, handlers=[JsonReport(report), events.append], http=http
        )
        truth = {j["request_id"]: j["state"] for j in server.ground_truth()}

    assert hook.fired
    assert result.interrupted
    assert result.exit_code == 130
    assert isinstance(events[-1], RunFinished)
    assert {f.check_id for f in result.findings} == set(CHECKS)
    assert all(f.outcome is Outcome.SKIPPED for f in result.findings)

    # every job the server holds is in the report, with its last known state and its cancel
    data = json.loads(report.read_text())
    jobs = {j["request_id"]: j for j in data["jobs"]}
    assert set(jobs) == set(truth)
    assert len(jobs) >= 3  # a burst: some running, some queued
    outcomes = {j["cancel"] for j in jobs.values()}
    assert outcomes <= {"cancelled", "not_cancellable", "not sent: already finished"}
    assert "cancelled" in outcomes  # the queued ones
    for rid, job in jobs.items():
        assert job["state"] in ("in_queue", "in_progress", "completed", "cancelled"), job
        if job["cancel"] == "cancelled":
            assert job["state"] == truth[rid] == "cancelled"
        else:
            assert truth[rid] != "queued"  # nothing is left waiting in the queue
    assert any(n.startswith("interrupted: cancels sent to") for n in data["notes"])
    assert data["summary"]["interrupted"] is True
    assert data["summary"]["exit_code"] == 130
