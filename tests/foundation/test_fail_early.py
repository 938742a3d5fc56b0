"""Fail before spending: a bad output path or an option that cannot work is refused with one
line and exit 2 before the first request reaches the server (counted on a live emulator)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.cli import main
from harness.cli.options import (
    fault_spec,
    positive_seconds,
    require_faults,
    require_positive,
    writable_dir,
    writable_file,
)
from harness.errors import UsageError
from tests.foundation.counting import Counted, counting_emulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[Counted]:
    with counting_emulator() as counted:
        yield counted


def _remote(emulator: Counted, command: str, *extra: str) -> list[str]:
    return [command, "--base-url", emulator.url, "--token", emulator.server.token, *extra]


def _refused(argv: list[str], emulator: Counted, capsys: pytest.CaptureFixture[str]) -> str:
    """Run argv; assert exit 2, one stderr line, and not one request sent. Returns the line."""
    before = len(emulator.requests)
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.count("\n") == 1, err
    assert err.startswith("error: "), err
    assert "Traceback" not in err
    assert emulator.requests[before:] == []
    return err


def _blocker(tmp_path: Path) -> Path:
    """A plain file, so that any path under it can never be created."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    return blocker


@pytest.mark.parametrize(
    ("flag", "under"),
    [("--report", "report.json"), ("--junit", "junit.xml"), ("--report", "deep/er/r.json")],
)
def test_conform_refuses_an_unwritable_output_before_any_request(
    flag: str, under: str, tmp_path: Path, emulator: Counted, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _blocker(tmp_path) / under
    err = _refused(_remote(emulator, "conform", flag, str(path)), emulator, capsys)
    assert flag in err
    assert "is not a folder" in err


def test_conform_refuses_a_report_path_that_is_a_folder(
    tmp_path: Path, emulator: Counted, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _refused(_remote(emulator, "conform", "--report", str(tmp_path)), emulator, capsys)
    assert "is a folder" in err


def test_conform_refuses_a_failing_cases_folder_it_cannot_create(
    tmp_path: Path, emulator: Counted, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "failing-cases").write_text("a file where the folder goes")
    argv = _remote(emulator, "conform", "--report", str(tmp_path / "r.json"))
    err = _refused(argv, emulator, capsys)
    assert "failing-cases" in err
    assert not (tmp_path / "r.json").exists()  # the probe left nothing behind


def test_the_same_run_with_writable_paths_does_reach_the_server(
    tmp_path: Path, emulator: Counted, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: parents are created, the run talks to the server, the reports appear.
    (--max-jobs 0: only the checks that create no job; the point is that requests are sent.)"""
    report, junit = tmp_path / "new" / "dir" / "r.json", tmp_path / "j" / "junit.xml"
    before = len(emulator.requests)
    argv = ["--max-jobs", "0", "--quiet", "--report", str(report), "--junit", str(junit)]
    assert main(_remote(emulator, "conform", *argv)) == 0
    assert len(emulator.requests) > before
    assert emulator.submits == 0  # --max-jobs 0: nothing that could create a job was sent
    assert json.loads(report.read_text())["summary"]["jobs_created"] == 0
    assert junit.read_text().startswith("<?xml")
    assert not (report.parent / "failing-cases").exists()  # created only when a case fails


@pytest.mark.parametrize(
    ("command", "extra", "says"),
    [
        ("conform", ["--poll-interval", "0"], "--poll-interval"),
        ("conform", ["--poll-interval", "-1"], "--poll-interval"),
        ("conform", ["--poll-interval", "nan"], "--poll-interval"),
        ("conform", ["--job-timeout", "0"], "--job-timeout"),
        ("conform", ["--max-jobs", "-1"], "--max-jobs"),
        ("conform", ["--examples", "-3"], "--examples"),
        ("conform", ["--only", "no-such-check"], "unknown check"),
        ("conform", ["--emulator-fault", "slow=1"], "--emulator-fault needs the embedded"),
        ("job", ["--poll-interval", "0"], "--poll-interval"),
        ("job", ["--poll-interval", "inf"], "--poll-interval"),
        ("job", ["--job-timeout", "-5"], "--job-timeout"),
        ("job", ["--timeout", "0"], "--timeout"),
        ("job", ["--poll-policy", "fixed:0"], "--poll-policy"),
        ("job", ["--poll", "backoff:0,2,1"], "--poll-policy"),
        ("job", ["--input", "[1, 2]"], "--input"),
        ("job", ["--second-token", "x"], "unrecognized arguments"),
    ],
)
def test_options_that_cannot_work_are_refused_before_any_request(
    command: str,
    extra: list[str],
    says: str,
    emulator: Counted,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert says in _refused(_remote(emulator, command, *extra), emulator, capsys)


@pytest.mark.parametrize("command", ["conform", "job"])
@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--emulator-fault", "no_such_fault"], "known: "),
        (["--emulator-workers", "0"], "--emulator-workers"),
        (["--emulator-time-per-step", "0"], "--emulator-time-per-step"),
    ],
)
def test_embedded_options_that_cannot_work_are_refused(
    command: str, extra: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert says in err
    if says == "known: ":
        assert "lose_cancel" in err  # the known faults are listed


def test_writable_file_creates_parents_and_leaves_no_file(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "report.json"
    assert writable_file(path, "--x") == path
    assert path.parent.is_dir()
    assert not path.exists()


def test_writable_file_leaves_an_existing_file_untouched(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text("keep me")
    writable_file(path, "--x")
    assert path.read_text() == "keep me"


def test_writable_dir_probes_without_creating(tmp_path: Path) -> None:
    assert writable_dir(tmp_path / "later", "--x") == tmp_path / "later"
    assert not (tmp_path / "later").exists()
    assert writable_dir(tmp_path, "--x") == tmp_path
    assert list(tmp_path.iterdir()) == []  # the probe file is gone
    with pytest.raises(UsageError, match="is not a folder"):
        writable_dir(_blocker(tmp_path) / "x" / "y", "--x")


@pytest.mark.parametrize("text", ["0", "-0.5", "nan", "inf", "soon"])
def test_positive_seconds_refuses(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        positive_seconds(text)


def test_positive_seconds_and_fault_spec_accept_good_values() -> None:
    assert positive_seconds("0.05") == 0.05
    assert fault_spec(" slow=0.5 ") == "slow=0.5"
    with pytest.raises(argparse.ArgumentTypeError, match="takes no value"):
        fault_spec("lose_cancel=1")


def test_the_plain_validators_name_the_flag() -> None:
    assert require_positive(30, "--duration") == 30.0
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(UsageError, match=r"^--duration: "):
            require_positive(bad, "--duration")
    assert require_faults(["slow=0.5", "lose_cancel"], "--emulator-fault") == (
        "slow=0.5",
        "lose_cancel",
    )
    with pytest.raises(UsageError, match=r"^--emulator-fault: unknown fault 'nope'; known: "):
        require_faults(["lose_cancel", "nope"], "--emulator-fault")
