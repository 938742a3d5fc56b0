"""Mutation proof: the catalog passes the clean API and catches every contract fault mode.

Every fault runs on the respx mock (virtual clock, fast); a representative subset and the
clean run also go through the CLI against the live emulator.
"""

from __future__ import annotations

import httpx
import pytest

from harness.checks import CHECKS, Level, Outcome
from harness.cli import main
from harness.cli.docs import caught_by
from harness.conform import ConformOptions, RunResult, run_conformance
from harness.mock import MockApi
from harness.model import FAULTS, FaultSet, ModelConfig, ServiceTimes
from harness.secrets import Token
from harness.target import Target

FAST = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.02, jitter_sigma=0.0), seed=7)
CONTRACT_FAULTS = sorted(name for name, f in FAULTS.items() if not f.takes_value)
CAUGHT_BY = {name: caught_by(name) for name in CONTRACT_FAULTS}


def run_mock(*faults: str, max_jobs: int = 12, strict: bool = True) -> RunResult:
    with MockApi(config=FAST, faults=FaultSet.parse(faults, seed=3)) as api:
        target = Target(api.base_url, Token(api.tokens[0]), Token(api.tokens[1]), api.sample_url())
        options = ConformOptions(
            max_jobs=max_jobs, poll_interval=0.05, job_timeout=5.0, strict=strict, examples=10
        )
        return run_conformance(target, options, clock=api.clock)


def test_every_contract_fault_has_a_check() -> None:
    assert {n for n, ids in CAUGHT_BY.items() if not ids} == set()


def test_clean_mock_passes_every_must_and_should() -> None:
    result = run_mock()
    assert result.exit_code == 0
    by_outcome = {f.check_id: f.outcome for f in result.findings}
    for f in result.findings:
        if f.level is Level.OBSERVE:
            assert f.outcome in (Outcome.OBSERVED, Outcome.SKIPPED)
        else:
            assert f.outcome is Outcome.PASSED, (f.check_id, f.message)
    assert len(by_outcome) == len(CHECKS)
    assert len(result.jobs) <= 12
    assert all(j.state in ("completed", "cancelled") for j in result.jobs)


@pytest.mark.parametrize("fault", CONTRACT_FAULTS)
def test_fault_is_caught_on_the_mock(fault: str) -> None:
    result = run_mock(fault)
    failed = {f.check_id for f in result.findings if f.outcome is Outcome.FAILED}
    assert set(CAUGHT_BY[fault]) <= failed, (fault, failed)
    # every failure shows the offending exchanges (a person can replay them)
    assert all(f.evidence for f in result.findings if f.outcome is Outcome.FAILED), fault
    assert result.exit_code == 1
    assert len(result.jobs) <= 12
    if FAULTS[fault].level == "MUST":
        assert run_mock(fault, strict=False).exit_code == 1


def test_budget_caps_jobs_and_skips_what_it_cannot_exercise() -> None:
    result = run_mock(max_jobs=3)
    assert len(result.jobs) <= 3
    assert result.exit_code == 0
    outcomes = {f.check_id: f.outcome for f in result.findings}
    assert Outcome.FAILED not in outcomes.values()
    # with one job, nothing queues: those checks say so instead of passing
    tiny = run_mock(max_jobs=1)
    assert len(tiny.jobs) <= 1
    skipped = {f.check_id for f in tiny.findings if f.outcome is Outcome.SKIPPED}
    assert {"queue-position", "cancel-queued"} <= skipped


def test_wrongly_accepted_invalid_inputs_stay_within_budget() -> None:
    result = run_mock("accept_out_of_range", max_jobs=4)
    assert len(result.jobs) <= 4
    origins = {j.origin for j in result.jobs}
    assert "invalid-input" in origins
    assert all(j.state.startswith(("cancel", "completed")) for j in result.jobs)


def test_cli_usage_and_connection_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with httpx.Client() as _:
        pass
    assert main(["conform", "--base-url", "http://[bad", "--token", "t"]) == 2
    assert main(["conform", "--base-url", "http://127.0.0.1:1", "--token", "t", "--quiet"]) == 2
    assert main(["conform", "--only", "no-such-check"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert all(line.startswith(("error:", "conform:")) for line in err.strip().splitlines())
