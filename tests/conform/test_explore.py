"""Stateful exploration: passes the conformant mock, finds and shrinks contract faults."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from harness.conform.explore import Session, SessionFactory, explore
from harness.pytest_plugin import mock_session

HTTP = httpx.Client()  # one for every sequence: a new client per sequence costs ~50 ms


def factory(*faults: str) -> SessionFactory:
    @contextmanager
    def session() -> Iterator[Session]:
        with mock_session(faults, http=HTTP) as s:
            yield s

    return session


def test_the_conformant_mock_breaks_no_rule() -> None:
    result = explore(factory(), budget=200, examples=25, steps=15)
    assert result.problem is None
    assert result.sequences >= 25
    assert 0 < result.jobs_created <= 200


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("lose_cancel", "cancel said cancelled"),
        ("status_goes_back", "never go back"),
        ("tenant_leak", "another tenant"),
        ("cancel_in_progress", "cancel said cancelled, but the job had been read"),
    ],
)
def test_a_fault_is_found_shrunk_and_written_as_a_replay_script(fault: str, words: str) -> None:
    result = explore(factory(fault), budget=2000, examples=150, steps=10)
    assert result.problem is not None
    assert words in result.problem, result.problem
    script = result.script
    assert script is not None
    assert script.startswith("#!/bin/sh")
    assert "$RUNCOMFY_API_TOKEN" in script
    assert "emulator-token" not in script
    calls = [line for line in script.splitlines() if "curl " in line]
    assert 1 <= len(calls) <= 8, script  # shrunk to a handful of calls
    assert any(c.startswith("J1=$(curl") for c in calls), script  # the submit keeps its id
    assert "/v1/requests/${J" in calls[-1], script  # ... and the breaking call uses it


def test_the_budget_caps_jobs_across_every_sequence() -> None:
    result = explore(factory(), budget=3, examples=10, steps=10)
    assert result.problem is None
    assert result.jobs_created <= 3


@pytest.mark.live
def test_against_a_live_server_within_the_job_budget() -> None:
    from functools import partial

    from harness.conform.explore import live_session
    from harness.emulator import EmulatorServer
    from harness.model import FaultSet, ModelConfig, ServiceTimes
    from harness.secrets import Token

    config = ModelConfig(workers=1, times=ServiceTimes(time_per_step=0.01, jitter_sigma=0.0))
    for faults, broken in (((), False), (("unknown_request_500",), True)):
        with EmulatorServer(config, FaultSet.parse(faults)) as server:
            tokens = [Token(t) for t in config.tokens]
            session = partial(live_session, server.base_url, tokens, server.sample_url(), (0.02,))
            result = explore(session, budget=6, examples=20, steps=8)
            truth = server.ground_truth()
        assert result.jobs_created <= 6
        assert len(truth) <= 6  # the budget holds on the server's own count too
        assert (result.problem is not None) is broken, result.problem
        # every job a sequence left behind was cancelled or had finished
        assert all(j["state"] != "queued" for j in truth) or broken
