"""The pytest plugin: checks as items on the offline mock; the `chronoedit_mock` fixture."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx

from harness.client import Client
from harness.mock import MockApi


def test_chronoedit_mock_fixture_runs_a_job(chronoedit_mock: MockApi) -> None:
    with httpx.Client() as http:
        client = Client(
            chronoedit_mock.base_url, chronoedit_mock.token, http=http, clock=chronoedit_mock.clock
        )
        outcome = client.run(
            {"image_url": chronoedit_mock.sample_url(), "prompt": "snow"}, timeout=60
        )
    assert outcome.result is not None
    assert outcome.result.status == "succeeded"


def test_pytest_chronoedit_items_and_junit(tmp_path: Path) -> None:
    junit = tmp_path / "out.xml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--chronoedit",
            "-q",
            f"--junitxml={junit}",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:]
    xml = junit.read_text()
    assert 'classname=".chronoedit" name="cancel-queued"' in xml
    assert "emulator-token" not in xml + proc.stdout


def test_plugin_does_not_import_locust_or_the_harness_eagerly() -> None:
    code = (
        "import sys, harness.pytest_plugin; "
        "print('locust' in sys.modules, 'harness.conform' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def _pytest_chronoedit(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--chronoedit", "-q", "-rs"]
    return subprocess.run(
        [*cmd, *args, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )


def test_fail_on_skip_fails_must_items_a_small_budget_could_not_exercise(tmp_path: Path) -> None:
    checks_only = ("-k", "not stateful-exploration")
    lenient = _pytest_chronoedit(tmp_path, "--chronoedit-max-jobs", "1", *checks_only)
    assert lenient.returncode == 0, lenient.stdout[-2000:]
    assert "skipped" in lenient.stdout
    strict = _pytest_chronoedit(
        tmp_path, "--chronoedit-max-jobs", "1", "--chronoedit-fail-on-skip", *checks_only
    )
    assert strict.returncode == 1, strict.stdout[-2000:]
    assert "not exercised" in strict.stdout


def test_the_exploration_item_fails_on_a_fault_and_writes_a_replay_script(tmp_path: Path) -> None:
    proc = _pytest_chronoedit(
        tmp_path, "--chronoedit-mock-fault", "lose_cancel", "-k", "stateful-exploration"
    )
    assert proc.returncode == 1, proc.stdout[-2000:]
    script = (tmp_path / "chronoedit-failing-sequence.sh").read_text()
    assert "a cancel said cancelled, yet /status says in_queue" in script
    assert "$RUNCOMFY_API_TOKEN" in script
    assert "emulator-token" not in script + proc.stdout


def test_the_exploration_has_its_own_budget_on_a_server(tmp_path: Path) -> None:
    """On a server the exploration no longer depends on what the checks' run left: it has
    `--chronoedit-explore-jobs`, and 0 skips it without creating a job."""
    from harness.emulator import EmulatorServer

    with EmulatorServer() as server:
        env = {**os.environ, "RUNCOMFY_API_TOKEN": server.token}
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--chronoedit", "-q",
             "-rs", "-k", "stateful-exploration", "--chronoedit-base-url", server.base_url,
             "--chronoedit-explore-jobs", "0", str(tmp_path)],
            capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False, env=env,
        )  # fmt: skip
        created = server.ground_truth()
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "--chronoedit-explore-jobs is 0" in proc.stdout
    assert created == []
