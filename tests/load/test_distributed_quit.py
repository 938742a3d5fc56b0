"""`load --processes N` ends once every worker's submit window is over and all its jobs ended,
not after the full --run-time (duration + drain), and still accounts for every job.

Each worker tells Locust's master "done"; a worker given no user (--users 1 with two workers)
is done at once and must not hold the run open.
"""

from __future__ import annotations

import json
import time

import pytest

from harness.cli import main
from harness.emulator import EmulatorServer
from harness.model.config import ModelConfig, ServiceTimes

pytestmark = [pytest.mark.live, pytest.mark.slow]

DURATION = 2.0
DRAIN = 30.0  # the default: a run that waited for it would take over 32 s


@pytest.mark.parametrize("users", [1, 3])
def test_distributed_run_quits_when_every_worker_is_done(tmp_path, capsys, users):
    config = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.01, jitter_sigma=0.0))
    report_path = tmp_path / "r.json"
    with EmulatorServer(config) as server:
        start = time.monotonic()
        code = main([
            "load", "--base-url", server.base_url, "--token", server.token,
            "--input-image-url", server.sample_url(), "--scenario", "queue-latency",
            "--rate", "4", "--duration", f"{DURATION:g}s", "--poll-interval", "0.05",
            "--processes", "2", "--users", str(users), "--report", str(report_path),
        ])  # fmt: skip
        elapsed = time.monotonic() - start
        truth = server.ground_truth()
    err = capsys.readouterr().err
    assert code == 0, err
    assert elapsed < DURATION + 12, (elapsed, err)
    section = json.loads(report_path.read_text())["scenarios"]["queue-latency"]
    acc = section["accounting"]
    assert acc["submitted"] == sum(v for k, v in acc.items() if k != "submitted") > 0
    assert acc["completed"] == acc["submitted"]  # every job ended before the early quit
    jobs = section["jobs"]
    assert len(jobs) == acc["submitted"]  # every submit has its record
    ids = sorted(j["request_id"] for j in jobs if j["request_id"])
    assert ids == sorted(t["request_id"] for t in truth)  # each job the server saw, once
