"""No false positives: conformant but unusual servers pass `conform --strict` (exit 0), and
a fault of the classes issue 9 added fails exactly where it should, on the offline mock."""

from __future__ import annotations

from typing import Any

import pytest

from harness.checks import Outcome
from harness.conform import ConformOptions, RunResult, run_conformance
from harness.model import FaultSet, ModelConfig, ServiceTimes
from harness.secrets import Token
from harness.target import Target
from tests.conform.hostile import Busy, Gzipped, HostileMock, extra_fields, other_4xx, via_cdn

GZIP = Gzipped()
FAST = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.02, jitter_sigma=0.0), seed=7)


def run(**hostile: Any) -> RunResult:
    faults = FaultSet.parse(hostile.pop("faults", ()), seed=3)
    with HostileMock(config=FAST, faults=faults, **hostile) as api:
        target = Target(api.base_url, Token(api.tokens[0]), Token(api.tokens[1]), api.sample_url())
        options = ConformOptions(
            max_jobs=12, poll_interval=0.05, job_timeout=5.0, strict=True, examples=10
        )
        return run_conformance(target, options, clock=api.clock)


def failures(result: RunResult) -> list[tuple[str, str]]:
    return [(f.check_id, f.message) for f in result.findings if f.outcome is Outcome.FAILED]


def _exchanges(result: RunResult, check_id: str) -> str:
    finding = next(f for f in result.findings if f.check_id == check_id)
    return f"{finding.outcome} {finding.message} " + " ".join(
        f"{e.url} {e.status_code} {e.response_headers} {e.response_body}" for e in finding.evidence
    )


@pytest.mark.parametrize(
    ("hostile", "seen"),
    [
        ({"rewrite": GZIP}, ("response-schema", "passed")),
        ({"rewrite": extra_fields}, ("response-schema", "x_trace_id")),
        ({"rewrite": other_4xx}, ("auth-status-code", "[403]")),
        ({"before": Busy(every=7)}, ("transport", "HTTP 503")),
        ({"before": via_cdn}, ("output-format", "/cdn/")),
    ],
    ids=["gzip", "extra-fields", "other-4xx", "busy-429-503", "images-via-redirect"],
)
def test_a_conformant_unusual_server_passes_strict(
    hostile: dict[str, Any], seen: tuple[str, str]
) -> None:
    result = run(**hostile)
    check_id, text = seen
    assert text in _exchanges(result, check_id)  # the unusual habit did show
    if hostile.get("rewrite") is GZIP:
        assert GZIP.count > 50
    assert failures(result) == []
    assert result.exit_code == 0
    skipped_must = [f.check_id for f in result.findings if f.outcome is Outcome.SKIPPED]
    assert "known-request" not in skipped_must
    coverage = result.summary()["coverage"]
    assert coverage["by_rule"]["response.schema"]["judged"] > 20


def test_the_report_counts_answers_judged_per_rule_and_names_rules_not_exercised() -> None:
    result = run()
    by_rule = result.summary()["coverage"]["by_rule"]
    assert by_rule["request.known-answered"]["judged"] > 20  # workload reads are judged too
    assert by_rule["response.error-shape"]["judged"] > 10
    tiny = ConformOptions(max_jobs=1, poll_interval=0.05, job_timeout=5.0, examples=2)
    with HostileMock(config=FAST) as api:
        target = Target(api.base_url, Token(api.tokens[0]), None, api.sample_url())
        small = run_conformance(target, tiny, clock=api.clock).summary()["coverage"]
    assert small["exercised"] < small["rules"]
    assert "reason" in small["by_rule"]["cancel.queued"]


@pytest.mark.parametrize(
    ("fault", "check_id"),
    [
        ("forget_running", "known-request"),
        ("refuse_queued_cancel", "cancel-queued"),
        ("queue_position_from_tail", "queue-position-monotonic"),
        ("cancel_text_body", "response-schema"),
        ("unknown_request_text", "error-schema"),
    ],
)
def test_each_new_fault_fails_its_check_with_evidence(fault: str, check_id: str) -> None:
    result = run(faults=(fault,))
    failed = dict(failures(result))
    assert check_id in failed, (fault, failed)
    finding = next(f for f in result.findings if f.check_id == check_id)
    assert finding.evidence
    assert result.exit_code == 1


def test_a_refused_queued_cancel_is_not_excused_without_a_read_that_proves_the_start() -> None:
    result = run(faults=("refuse_queued_cancel",))
    message = dict(failures(result))["cancel-queued"]
    assert "still says in_queue" in message
