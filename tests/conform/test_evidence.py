"""Every verdict shows its work: a check that is not skipped carries the exchanges it judged
(a few, representative: the first one plus one per distinct case), each with a curl line and
no token; the report stays small.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.checks import CHECKS, Finding, Outcome, Read, failed, passed, sample
from harness.checks.registry import MAX_EVIDENCE
from harness.cli import main
from harness.evidence import Exchange
from harness.model import DEFAULT_TOKENS
from tests.conform.test_mutation import run_mock

# OBSERVE checks that may have nothing to show on a clean run; they must then say why.
MAY_BE_EMPTY = {"failed-job-shape", "transport"}
WHY_EMPTY = "no evidence: nothing to show"


def _exchange(path: str, status: int = 200) -> Exchange:
    request = httpx.Request("GET", f"http://api.test{path}", headers={"Authorization": "Bearer s"})
    return Exchange.of(request, httpx.Response(status, json={"status": "in_queue"}))


def test_sample_keeps_the_first_then_one_per_distinct_key() -> None:
    items = [("a", 1), ("a", 2), ("b", 3), ("a", 4), ("c", 5), ("d", 6)]
    assert sample(items, key=lambda i: i[0]) == [("a", 1), ("b", 3), ("c", 5)]
    assert sample(items, key=lambda i: i[0], limit=4) == [("a", 1), ("b", 3), ("c", 5), ("d", 6)]
    assert sample(items) == [("a", 1)]
    assert sample([], key=str) == []
    assert sample(iter(range(100)), key=lambda n: n % 2) == [0, 1]


def test_verdicts_take_reads_as_evidence_and_refuse_anything_else() -> None:
    ex = _exchange("/v1/requests/r/status")
    read = Read.of("status", ex, 0.0)
    # a Read (or an Image) carries its exchange: it used to be dropped silently
    assert passed("ok", [read]).evidence == (ex,)
    assert failed("no", [read, ex, read]).evidence == (ex,)  # each exchange once
    many = [_exchange(f"/v1/requests/{i}/status") for i in range(20)]
    assert len(failed("no", many).evidence) == MAX_EVIDENCE
    with pytest.raises(TypeError):
        passed("ok", ["not an exchange"])  # type: ignore[list-item]


def _assert_evidence(checks: list[dict[str, Any]], secrets: set[str]) -> None:
    judged = [c for c in checks if c["outcome"] != "skipped"]
    assert judged
    for c in judged:
        if c["id"] in MAY_BE_EMPTY and not c["evidence"]:
            assert WHY_EMPTY in c["message"], c
            continue
        assert c["evidence"], (c["id"], c["message"])
        for item in c["evidence"]:
            assert item["curl"].startswith("curl "), c["id"]
    text = json.dumps(checks)
    assert not any(s in text for s in secrets)
    total = sum(len(c["evidence"]) for c in checks)
    assert total <= 4 * len(checks), total


def _as_dicts(findings: list[Finding]) -> list[dict[str, Any]]:
    return [f.to_dict() for f in findings]


def test_clean_mock_every_judged_check_carries_evidence() -> None:
    result = run_mock()
    assert result.exit_code == 0
    assert {f.check_id for f in result.findings} == set(CHECKS)
    _assert_evidence(_as_dicts(result.findings), set(DEFAULT_TOKENS))
    by_id = {f.check_id: f for f in result.findings}
    # one per endpoint where the rule covers every endpoint
    assert {e.url.rsplit("/", 1)[-1] for e in by_id["auth-required"].evidence} == {
        "lora",
        "status",
        "result",
        "cancel",
    }
    # one per broken input rule, not one per probe
    rejected = by_id["invalid-input-rejected"].evidence
    assert 1 < len(rejected) <= 3
    assert len({e.request_body for e in rejected}) == len(rejected)


@pytest.mark.parametrize("fault", ["tenant_leak", "unknown_request_500", "lose_cancel"])
def test_failures_keep_their_offending_exchanges(fault: str) -> None:
    result = run_mock(fault)
    broken = [f for f in result.findings if f.outcome is Outcome.FAILED]
    assert broken
    for finding in broken:
        assert finding.evidence, finding.check_id
    _assert_evidence(_as_dicts(result.findings), set(DEFAULT_TOKENS))


@pytest.mark.live
def test_clean_emulator_report_carries_evidence(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    args = ["--examples", "5", "--max-jobs", "12", "--emulator-time-per-step", "0.005"]
    assert main(["conform", "--quiet", *args, "--report", str(report)]) == 0
    data = json.loads(report.read_text())
    _assert_evidence(data["checks"], set(DEFAULT_TOKENS))
