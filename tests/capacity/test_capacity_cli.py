"""`capacity` refuses bad input before the first job, and Ctrl-C cancels what it left queued."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from tests.ctrl_c import interrupt_once_queued


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


@pytest.mark.live
@pytest.mark.slow
def test_ctrl_c_cancels_queued_jobs_and_still_writes_the_report(tmp_path):
    report, html = tmp_path / "r.json", tmp_path / "r.html"
    code, out, err, truth = interrupt_once_queued(
        "capacity", "--target-wait", "100ms", "--report", str(report), "--html", str(html)
    )
    assert code == 130, err
    assert "Traceback" not in err + out
    data = json.loads(report.read_text())
    assert data["stopped"].startswith("interrupted")
    assert "Interrupted (Ctrl-C): a partial search" in html.read_text(encoding="utf-8")
    assert [t for t in truth if t["state"] == "queued"] == []  # none left waiting
    cost = data["cost"]
    assert cost["accepted"] == len(truth)  # every job the server took is counted
    assert cost["cancelled"] == sum(t["state"] == "cancelled" for t in truth) > 0
    assert cost["left_open"] == 0
