"""Ctrl-C on `load`: Locust stops gracefully, queued jobs are cancelled, the report is still
written with every submitted job accounted for, and the command exits 130 in one line.

The CLI runs in its own session against an emulator this test owns, so the test can read the
ground truth after the CLI is gone.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.ctrl_c import CLI, ROOT, interrupt_once_queued
from tests.load.report_schema import validate_report

pytestmark = [pytest.mark.live, pytest.mark.slow]


@pytest.mark.parametrize("processes", [0, 2])
def test_ctrl_c_cancels_queued_jobs_and_still_writes_the_report(tmp_path, processes):
    report, html = tmp_path / "r.json", tmp_path / "r.html"
    code, out, err, truth = interrupt_once_queued(
        "load", "--scenario", "queue-latency", "--rate", "8", "--duration", "60s",
        "--drain", "5s", "--poll-interval", "0.05", "--processes", str(processes),
        "--report", str(report), "--html", str(html),
    )  # fmt: skip
    assert code == 130, err
    assert "Traceback" not in err + out
    assert err.strip().splitlines()[-1].startswith("interrupted:")
    data = json.loads(report.read_text())
    validate_report(data)  # an interrupted run's report is a whole report too
    assert data["interrupted"] is True
    assert html.exists()
    acc = data["scenarios"]["queue-latency"]["accounting"]
    assert acc["submitted"] == sum(v for k, v in acc.items() if k != "submitted")
    jobs = data["scenarios"]["queue-latency"]["jobs"]
    accepted = {j["request_id"] for j in jobs if j["request_id"]}
    assert [t for t in truth if t["state"] == "queued"] == []  # none left waiting
    # A job last seen queued may start between that poll and the run-end cancel: the server
    # then rightly answers not_cancellable and runs it. Either way the answer must match the
    # truth: "cancelled" means cancelled there, "not_cancellable" means it left the queue.
    state = {t["request_id"]: t["state"] for t in truth}
    cleaned = {j["request_id"]: j["cleanup"] for j in jobs if j.get("cleanup")}
    assert cleaned, "no queued job was cleaned up"
    for request_id, cleanup in cleaned.items():
        assert cleanup in ("cancelled", "not_cancellable"), (request_id, cleanup)
        if cleanup == "cancelled":
            assert state[request_id] == "cancelled", (request_id, state[request_id])
        else:
            assert state[request_id] in ("running", "succeeded", "failed"), request_id
    extra = [t for t in truth if t["request_id"] not in accepted]
    assert not extra, extra  # every job submitted is in the report
    ids = sorted(j["request_id"] for j in jobs if j["request_id"])
    assert ids == sorted(t["request_id"] for t in truth)  # each exactly once


def test_terminal_ctrl_c_on_the_process_group_leaves_the_embedded_emulator_up(tmp_path):
    """A terminal's Ctrl-C goes to the whole foreground group: the emulator and Locust must not
    get it (own sessions), so the report still has the ground truth."""
    report = tmp_path / "r.json"
    cmd = [
        sys.executable, "-c", CLI,
        "load", "--scenario", "cancel", "--arrivals", "constant", "--duration", "60s",
        "--report", str(report),
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )  # fmt: skip
    try:
        assert proc.stderr is not None
        lines = []
        for line in proc.stderr:  # the first progress line: jobs are in flight
            lines.append(line)
            if "cancel #1:" in line:
                break
        else:
            pytest.fail("".join(lines))
        os.killpg(proc.pid, signal.SIGINT)  # what the terminal does
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err + out
    data = json.loads(report.read_text())
    validate_report(data)
    section = data["scenarios"]["cancel"]
    acc = section["accounting"]
    assert acc["submitted"] == sum(v for k, v in acc.items() if k != "submitted") > 0
    truth = section["ground_truth"]
    assert truth.get("available", True) is not False, truth
    assert truth["compared"] > 0
    assert [m["moment"] for m in section["cancel"]["moments"]] == [
        "after_submit", "while_queued", "while_running", "after_completion", "twice",
    ]  # fmt: skip
