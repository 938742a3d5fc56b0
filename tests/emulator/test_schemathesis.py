"""An independent cross-check: Schemathesis, run with the project's own `schemas/openapi.json`
against the live emulator, finds nothing; on an emulator with a fault it can see, it does.

Schemathesis reads the document the way any other tool would (its response schemas, the links
from submit to status/result/cancel, the declared status codes) and applies its own checks
(server errors, response schema and content type conformance, undeclared methods answered 405
with `Allow`, ...). Bounded: a few examples per operation, a few seconds per run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from schemathesis import openapi
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import Status, events, from_schema

from harness.emulator import EmulatorServer
from harness.model import FaultSet, ModelConfig, ServiceTimes

pytestmark = pytest.mark.live

OPENAPI = Path(__file__).resolve().parents[2] / "schemas" / "openapi.json"
FAST = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.002, jitter_sigma=0.0), seed=5)


@dataclass
class Findings:
    failures: list[str] = field(default_factory=list)  # "operation: check: title"
    errors: list[str] = field(default_factory=list)
    answers: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, status)


def _config(base_url: str, token: str) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "base-url": base_url,
            "headers": {"Authorization": f"Bearer {token}"},
            "seed": 20260115,
            "request-timeout": 5,
            "workers": 1,
            "generation": {"max-examples": 5, "database": "none"},
            "phases": {"stateful": {"max-steps": 8}},
        }
    )


def _operation(method: str, uri: str) -> str:
    path = uri.split("?", 1)[0]
    return f"{method} {path.rsplit('/', 1)[-1] if '/requests/' in path else 'submit'}"


def _collect(stream: Iterator[events.EngineEvent]) -> Findings:
    found = Findings()
    for event in stream:
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for interaction in recorder.interactions.values():
                if interaction.response is not None:
                    op = _operation(interaction.request.method, interaction.request.uri)
                    found.answers[op, interaction.response.status_code] += 1
            for checks in recorder.checks.values():
                for check in checks:
                    if check.status is Status.FAILURE and check.failure_info is not None:
                        title = check.failure_info.failure.title
                        found.failures.append(f"{recorder.label}: {check.name}: {title}")
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found.errors.append(repr(event))
    return found


def run_schemathesis(faults: FaultSet | None = None) -> Findings:
    with EmulatorServer(FAST, faults) as server:
        schema = openapi.from_path(OPENAPI, config=_config(server.base_url, server.token))
        return _collect(from_schema(schema).execute())


def test_schemathesis_finds_nothing_on_the_emulator(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)  # whatever it might write stays out of the repository
    found = run_schemathesis()
    assert found.errors == []
    assert sorted(set(found.failures)) == []
    # not a hollow pass: it followed the links to real jobs and judged their answers
    for op, status in [
        ("POST submit", 200),
        ("GET status", 200),
        ("GET result", 200),
        ("POST cancel", 202),
        ("POST submit", 422),
    ]:
        assert found.answers[op, status] > 0, (op, status, found.answers)
    assert any(status == 405 for _, status in found.answers)  # undeclared methods were tried


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("missing_submit_url", "response_schema_conformance"),
        ("unknown_request_500", "not_a_server_error"),
        ("text_content_type", "content_type_conformance"),
    ],
)
def test_schemathesis_sees_a_fault_the_document_rules_out(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fault: str, expected: str
) -> None:
    monkeypatch.chdir(tmp_path)
    found = run_schemathesis(FaultSet.of(fault, seed=3))
    assert any(f": {expected}: " in failure for failure in found.failures), found.failures
