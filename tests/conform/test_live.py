"""Mutation proof through the CLI on the live emulator: clean, every contract fault, noise.

Each run is `chronoedit-harness conform` against an embedded emulator on a free loopback port
(stopped when the run ends), with fast service times and a small budget, so a run takes ~1 s.
A fault must fail every check of the rules it `breaks`, exit 1 (with --strict for a SHOULD rule),
and fail nothing outside those and its `also` rules (the consequences declared with the fault).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.checks import CHECKS
from harness.cli import main
from harness.cli.docs import caught_by, may_also_fail
from harness.model.faults import FAULTS, OPERATIONAL_FAULTS

pytestmark = pytest.mark.live

CONTRACT_FAULTS = sorted(set(FAULTS) - OPERATIONAL_FAULTS)
FAST = ("--examples", "5", "--max-jobs", "12", "--emulator-time-per-step", "0.05")


def expected(fault: str) -> set[str]:
    return set(caught_by(fault))


def allowed(fault: str) -> set[str]:
    return expected(fault) | set(may_also_fail(fault))


def conform(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
    report = tmp_path / "report.json"
    code = main(["conform", "--quiet", *FAST, "--job-timeout", "6", "--report", str(report), *args])
    data: dict[str, Any] = json.loads(report.read_text())
    return code, data


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in report["checks"]}


def failed(report: dict[str, Any]) -> set[str]:
    return {cid for cid, outcome in outcomes(report).items() if outcome == "failed"}


def message(report: dict[str, Any], check_id: str) -> str:
    return next(str(c["message"]) for c in report["checks"] if c["id"] == check_id)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_clean_emulator_passes_strict_on_several_seeds(tmp_path: Path, seed: int) -> None:
    junit = tmp_path / "j.xml"
    code, report = conform(tmp_path, "--strict", "--seed", str(seed), "--junit", str(junit))
    assert (code, failed(report)) == (0, set())
    assert {c["id"] for c in report["checks"]} == set(CHECKS)
    must = [c for c in report["checks"] if c["level"] == "MUST"]
    assert all(c["outcome"] == "passed" for c in must), [
        c for c in must if c["outcome"] != "passed"
    ]
    # the deliberate races were exercised, not skipped
    assert outcomes(report)["cancel-race"] == outcomes(report)["cancel-at-start"] == "passed"
    # a conformant variant is not blamed: unknown extra fields and 8.0 are accepted
    assert outcomes(report)["valid-input-accepted"] == "passed"
    assert outcomes(report)["unknown-fields"] == "observed"
    assert message(report, "unknown-fields") == "bodies with unknown fields accepted"
    assert "none lost" in message(report, "transport")
    # the server's stamps: ISO-8601 with Z, null while pending, durations inside client bounds
    assert outcomes(report)["timestamps"] == "observed"
    stamps = message(report, "timestamps")
    assert "created_at iso8601_utc_z" in stamps
    assert "finished_at null on" in stamps
    agree = stamps.split("within client end-to-end bounds ")[1].split(";")[0].split(" ")[0]
    assert agree.split("/")[0] == agree.split("/")[1] != "0", stamps
    text = (tmp_path / "report.json").read_text() + junit.read_text()
    assert "emulator-token" not in text
    assert "curl" in text


@pytest.mark.parametrize("fault", CONTRACT_FAULTS)
def test_each_fault_fails_exactly_its_checks(tmp_path: Path, fault: str) -> None:
    should = FAULTS[fault].level == "SHOULD"
    code, report = conform(tmp_path, *(["--strict"] if should else []), "--emulator-fault", fault)
    broken = failed(report)
    assert expected(fault) <= broken, (fault, broken)
    assert broken <= allowed(fault), (fault, broken - allowed(fault))
    assert code == 1
    assert len(report["jobs"]) <= 12


def test_every_fault_is_caught_by_a_check_of_its_level() -> None:
    for fault in CONTRACT_FAULTS:
        levels = {str(CHECKS[c].level) for c in expected(fault)}
        assert FAULTS[fault].level in levels, (fault, levels)


@pytest.mark.parametrize(
    ("fault", "extra"),
    [
        ("error_rate=0.05", ()),
        ("drop_rate=0.02", ()),
        # answers 50 ms late: nothing queues, so the 50-step edge runs (2.6 s) to its end
        ("slow=0.05", ("--examples", "1", "--max-jobs", "8", "--job-timeout", "10")),
    ],
)
def test_transport_noise_causes_no_finding_and_is_reported(
    tmp_path: Path, fault: str, extra: tuple[str, ...]
) -> None:
    code, report = conform(tmp_path, "--strict", "--emulator-fault", fault, *extra)
    assert (code, failed(report)) == (0, set()), [
        (c["id"], c["message"]) for c in report["checks"] if c["outcome"] == "failed"
    ]
    transport = message(report, "transport")
    if fault.startswith("slow"):
        assert "none lost" in transport
        return
    # The emulator's fault draws are seeded (seed 0): the 1st and 29th calls it handles get
    # the fault whatever the timing, and the 1st is the first submit of the burst.
    assert "none lost" not in transport
    assert "submit: " in transport
    if fault.startswith("drop"):
        # a submit that got no answer may have created a job: it is booked, not forgotten
        assert any(j["request_id"] == "(submit unanswered)" for j in report["jobs"])
        assert any("got no answer" in note for note in report["notes"])
    else:
        assert "HTTP 503" in transport
        assert "transient, not judged" in message(report, "valid-input-accepted")


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(
    ("fault", "breaks"),
    [("", set()), ("lose_cancel", {"cancel-race"}), ("cancel_in_progress", {"cancel-at-start"})],
)
def test_aimed_races_on_several_seeds(
    tmp_path: Path, seed: int, fault: str, breaks: set[str]
) -> None:
    only = ("--only", "cancel-race", "--only", "cancel-at-start", "--seed", str(seed))
    code, report = conform(tmp_path, *only, *(("--emulator-fault", fault) if fault else ()))
    assert failed(report) == breaks, [(c["id"], c["message"]) for c in report["checks"]]
    assert code == (1 if breaks else 0)
    assert set(outcomes(report).values()) <= {"passed", "failed"}  # both races were aimed


def test_fail_on_skip_turns_a_hollow_run_into_a_failure(tmp_path: Path) -> None:
    """Jobs whose input image cannot be fetched all fail: no MUST check fails, but the output
    and queue checks are skipped. The run says why; with --fail-on-skip it exits 1."""
    dead_image = "http://127.0.0.1:9/missing.jpg"  # port 9 (discard): nothing listens
    code, report = conform(tmp_path, "--input-image-url", dead_image)
    assert (code, failed(report)) == (0, set())
    assert outcomes(report)["output-image"] == "skipped"
    assert any("every workload job failed" in n and dead_image in n for n in report["notes"])
    code, report = conform(tmp_path, "--input-image-url", dead_image, "--fail-on-skip")
    assert code == 1
    assert report["summary"]["fail_on_skip"] is True
    code, report = conform(tmp_path, "--fail-on-skip")  # a full run exercises every MUST check
    assert (code, failed(report)) == (0, set())
    assert not [
        c["id"] for c in report["checks"] if c["level"] == "MUST" and c["outcome"] == "skipped"
    ]
