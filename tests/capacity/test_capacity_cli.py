"""`capacity` refuses bad input before the first job, and Ctrl-C cancels what it left queued."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.cli import main
from harness.emulator import EmulatorServer
from harness.model.config import ModelConfig, ServiceTimes

_ROOT = Path(__file__).resolve().parents[2]
_CLI = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from harness.cli import main; sys.exit(main())"
)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "--target-wait"),
        (["--target-wait", "soon"], "argument --target-wait"),
        (["--target-wait", "1s", "--base-url", "https://api.example.com", "--token", "t"],
         "not loopback: capacity needs --allow-remote and --max-jobs N"),
        (["--target-wait", "1s", "--base-url", "https://api.example.com", "--token", "t",
          "--allow-remote"], "needs --allow-remote and --max-jobs N"),
        (["--target-wait", "1s", "--max-jobs", "50"], "--max-jobs 50 is too few"),
        (["--target-wait", "1s", "--quantile", "2"], "quantile"),
        (["--target-wait", "1s", "--poll-interval", "0"], "'0': must be a number of seconds > 0"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_before_any_job(argv, message, capsys, tmp_path):
    report = tmp_path / "r.json"
    assert main(["capacity", *argv, "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not report.exists()


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)  # polling a condition, not papering over a race
    return False


@pytest.mark.live
@pytest.mark.slow
def test_ctrl_c_cancels_queued_jobs_and_still_writes_the_report(tmp_path):
    config = ModelConfig(workers=1, times=ServiceTimes(time_per_step=0.05, jitter_sigma=0.0))
    report = tmp_path / "r.json"
    with EmulatorServer(config) as server:
        cmd = [
            sys.executable, "-c", _CLI, "capacity", "--base-url", server.base_url,
            "--token", server.token, "--input-image-url", server.sample_url(),
            "--target-wait", "100ms", "--report", str(report),
        ]  # fmt: skip
        proc = subprocess.Popen(
            cmd, cwd=_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True,
        )  # fmt: skip
        try:
            queued = lambda: sum(j["state"] == "queued" for j in server.ground_truth()) >= 4  # noqa: E731
            assert _wait_for(queued, 60), "no queue formed"
            proc.send_signal(signal.SIGINT)
            out, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        truth = server.ground_truth()
    assert proc.returncode == 130, err
    assert "Traceback" not in err + out
    data = json.loads(report.read_text())
    assert data["stopped"].startswith("interrupted")
    assert [t for t in truth if t["state"] == "queued"] == []  # none left waiting
    cost = data["cost"]
    assert cost["accepted"] == len(truth)  # every job the server took is counted
    assert cost["cancelled"] == sum(t["state"] == "cancelled" for t in truth) > 0
    assert cost["left_open"] == 0
