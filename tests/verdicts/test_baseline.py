"""Conformance baselines: stable identities, known/new/fixed, exit codes, the file, the CLI."""

from __future__ import annotations

import json

import pytest

from harness.checks import Finding, Level, Outcome
from harness.cli import main
from harness.conform.baseline import (
    Baseline,
    BaselineEntry,
    judge,
    load_baseline,
    signature,
    write_baseline,
)
from harness.conform.events import RunResult
from harness.errors import UsageError
from harness.rules import Rule
from tests.conform.test_mutation import run_mock


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("job 3f2a9c1e-1111-2222-3333-444455556666 was queued",
         "job 0b2a9c1e-aaaa-bbbb-cccc-ddddeeeeffff was queued"),
        ("took 12.5s, 3 of 12", "took 0.25s, 11 of 12"),
        ("at 2026-12-01T09:31:52.123Z", "at 2025-01-02 10:00:00+01:00"),
        ("via http://127.0.0.1:8123/v1", "via https://api.example:443/v1"),
        ("on 127.0.0.1:8123 now", "on localhost:9 now"),
        ("id 0123456789abcdef0 and req_abc123", "id fedcba98765432100 and req_zz9"),
        ("a  b\n c", "a b c"),
    ],
)  # fmt: skip
def test_signature_ignores_what_changes_between_runs(one, other):
    assert signature(one) == signature(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("status HTTP 200", "status HTTP 404"),  # a different fault, not noise
        ("cancel said 'cancelled'", "cancel said 'not_cancellable'"),
        ("p95 over", "p99 over"),
    ],
)
def test_signature_keeps_what_tells_failures_apart(one, other):
    assert signature(one) != signature(other)


def _finding(check="c1", message="broke 3 times", outcome=Outcome.FAILED, level=Level.MUST):
    rule = Rule(f"rule-of-{check}", level, f"rule of {check}", ("status",))
    return Finding(check, rule, outcome, message)


def _result(*findings, strict=False, interrupted=False):
    return RunResult("http://t", list(findings), [], 12, 1.0, strict=strict,
                     interrupted=interrupted)  # fmt: skip


def test_known_new_and_fixed():
    baseline = Baseline.of([_finding("c1", "broke 3 times"), _finding("c2"), _finding("c3")])
    result = _result(
        _finding("c1", "broke 7 times"),  # same failure, other numbers: known
        _finding("c4", "new breakage"),  # new
        _finding("c2", "fine", Outcome.PASSED),  # c2 fixed
        _finding("c3", "not run", Outcome.SKIPPED),  # c3 not exercised: not fixed
        _finding("c5", "seen", Outcome.OBSERVED, Level.OBSERVE),
    )
    judged = judge(result, baseline)
    assert [f.check_id for f in judged.known] == ["c1"]
    assert [f.check_id for f in judged.new] == ["c4"]
    assert [e.check for e in judged.fixed] == ["c2"]
    assert judged.exit_code == 1
    assert judged.lines() == [
        "baseline: known c1: broke 7 times",
        "baseline: NEW c4: new breakage",
        "baseline: fixed c2 (broke <n> times)",
        "baseline: 1 known, 1 new, 1 fixed",
    ]
    assert judged.to_dict()["known"] == [{"check": "c1", "rule": "rule-of-c1",
                                          "signature": "broke <n> times"}]  # fmt: skip
    assert judged.to_dict()["new"] == [{"check": "c4", "rule": "rule-of-c4",
                                        "signature": "new breakage"}]  # fmt: skip
    assert judged.to_dict()["fixed"] == [{"check": "c2", "rule": "rule-of-c2",
                                          "signature": "broke <n> times"}]  # fmt: skip


def test_only_new_failures_fail_and_the_runs_own_rule_still_applies():
    baseline = Baseline.of([_finding("c1")])
    assert judge(_result(_finding("c1")), baseline).exit_code == 0
    assert _result(_finding("c1")).exit_code == 1  # without the baseline it fails
    should = _finding("c2", level=Level.SHOULD)
    assert judge(_result(_finding("c1"), should), baseline).exit_code == 0
    assert judge(_result(_finding("c1"), should, strict=True), baseline).exit_code == 1
    assert judge(_result(_finding("c1"), interrupted=True), baseline).exit_code == 130
    other_way = _finding("c1", "broke with HTTP 500")
    assert judge(_result(other_way), baseline).exit_code == 1  # same check, new failure


def test_baseline_keeps_only_failures():
    baseline = Baseline.of([_finding("c1"), _finding("c2", outcome=Outcome.PASSED)])
    assert baseline.entries == frozenset({BaselineEntry("c1", "rule-of-c1", "broke <n> times")})


def test_file_round_trip(tmp_path):
    path = tmp_path / "baseline.json"
    written = write_baseline(path, [_finding("c2", "à → b"), _finding("c1")])
    assert path.read_bytes() == (
        b'{\n "version": 1,\n "findings": [\n  {\n   "check": "c1",\n   "rule": "rule-of-c1",\n'
        b'   "signature": "broke <n> times"\n  },\n  {\n   "check": "c2",\n'
        b'   "rule": "rule-of-c2",\n   "signature": "\\u00e0 \\u2192 b"\n  }\n ]\n}\n'
    )  # small, sorted, ASCII: a baseline diffs well in review
    data = json.loads(path.read_text())
    assert data["version"] == 1
    assert [e["check"] for e in data["findings"]] == ["c1", "c2"]  # sorted: diffs stay small
    assert load_baseline(path) == written


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{", "is not JSON"),
        ('{"version": 2, "findings": []}', "not a version 1 baseline"),
        ("[]", "not a version 1 baseline"),
        ('{"version": 1, "findings": [{"check": "c"}]}', "malformed"),
        ('{"version": 1, "findings": 3}', "malformed"),
    ],
)
def test_bad_baseline_files(tmp_path, content, message):
    path = tmp_path / "b.json"
    if content is not None:
        path.write_text(content)
    with pytest.raises(UsageError, match=message):
        load_baseline(path)


@pytest.mark.slow
def test_a_real_fault_against_its_own_baseline():
    leaky = run_mock("tenant_leak")
    assert leaky.exit_code == 1
    baseline = Baseline.of(leaky.findings)
    again = judge(run_mock("tenant_leak"), baseline)
    assert again.exit_code == 0
    assert again.new == []
    assert [f.check_id for f in again.known] == ["tenant-isolation"]
    fixed = judge(run_mock(), baseline)
    assert [e.check for e in fixed.fixed] == ["tenant-isolation"]
    assert fixed.exit_code == 0
    worse = judge(run_mock("tenant_leak", "unknown_request_500"), baseline)
    assert worse.exit_code == 1
    assert worse.new


@pytest.mark.live
@pytest.mark.slow
def test_cli_update_then_judge(tmp_path, capsys):
    path = tmp_path / "baseline.json"
    leak = ["conform", "--quiet", "--emulator-fault", "tenant_leak", "--baseline", str(path)]
    assert main([*leak, "--update-baseline"]) == 0
    assert "1 finding(s) written" in capsys.readouterr().err
    assert main(leak) == 0
    err = capsys.readouterr().err
    assert "baseline: known tenant-isolation" in err
    assert "baseline: 1 known, 0 new, 0 fixed" in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--update-baseline"], "needs --baseline"),
        (["--baseline", "{file}/b.json", "--update-baseline"], "is not a folder"),
        (["--baseline", "{tmp}/missing.json"], "cannot read"),
    ],
)
def test_cli_bad_baseline_options_fail_before_spending(tmp_path, capsys, extra, message):
    (tmp_path / "a-file").write_text("")  # a path under a file cannot be written, even by root
    args = [a.format(file=tmp_path / "a-file", tmp=tmp_path) for a in extra]
    assert main(["conform", "--quiet", *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]
