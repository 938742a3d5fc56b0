"""`load` as Locust's master with two `load --worker` processes, as on three machines: each with
its own working and temporary directory (nothing shared on disk), one worker killed mid-run.

One report comes out in which every job the server accepted appears exactly once (or, for the
dead worker's last instants, is counted unaccounted), the shared --max-jobs is never exceeded,
the dead worker is reported, the master cancels the jobs it left queued, and no process carries
the token on its command line.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from harness.emulator import EmulatorServer
from harness.load.run.runner import free_loopback_port
from harness.model.config import ModelConfig, ServiceTimes
from tests.ctrl_c import wait_for

pytestmark = [pytest.mark.live, pytest.mark.slow]

_ROOT = Path(__file__).resolve().parents[2]
_CLI = "import sys; from harness.cli import main; sys.exit(main())"
MAX_JOBS = 30


def _machine(tmp_path: Path, name: str, token: str) -> dict[str, object]:
    """A process's own directory and temp dir; the token in its environment only."""
    home = tmp_path / name
    (home / "tmp").mkdir(parents=True)
    env = {**os.environ, "TMPDIR": str(home / "tmp"), "RUNCOMFY_API_TOKEN": token,
           "PYTHONPATH": str(_ROOT)}  # fmt: skip
    return {"cwd": home, "env": env}


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        children = Path(f"/proc/{current}/task/{current}/children")
        kids = [int(c) for c in children.read_text().split()] if children.exists() else []
        found += kids
        todo += kids
    return found


def _cmdlines(pids: list[int]) -> list[str]:
    lines = []
    for pid in pids:
        with contextlib.suppress(OSError):  # gone meanwhile
            lines.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return lines


def test_a_master_and_two_workers_share_no_disk_and_survive_a_dead_worker(tmp_path):
    # One GPU taking ~8 s a job against 6 jobs/s: a queue forms that outlasts the run, so the
    # worker killed after the first jobs leaves some of its own queued, for the master to cancel.
    config = ModelConfig(workers=1, times=ServiceTimes(time_per_step=1.0, jitter_sigma=0.0))
    port = free_loopback_port()
    procs: list[subprocess.Popen[str]] = []
    with EmulatorServer(config) as server:
        token = server.token
        worker_cmd = [sys.executable, "-c", _CLI, "load", "--worker",
                      "--master-host", "127.0.0.1", "--master-port", str(port)]  # fmt: skip
        workers = [
            subprocess.Popen(
                worker_cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
                **_machine(tmp_path, f"worker{i}", token),  # type: ignore[arg-type]
            )
            for i in (1, 2)
        ]
        procs += workers
        report = tmp_path / "master" / "report.json"
        master = subprocess.Popen(
            [sys.executable, "-c", _CLI, "load", "--base-url", server.base_url,
             "--input-image-url", server.sample_url(), "--scenario", "queue-latency",
             "--rate", "6", "--duration", "4s", "--drain", "10s", "--poll-interval", "0.05",
             "--max-jobs", str(MAX_JOBS), "--expect-workers", "2", "--users", "2",
             "--master-bind-host", "127.0.0.1", "--master-bind-port", str(port),
             "--report", str(report)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
            **_machine(tmp_path, "master", token),  # type: ignore[arg-type]
        )  # fmt: skip
        procs.append(master)
        try:
            assert wait_for(lambda: len(server.ground_truth()) >= 6, 90, every=0.1), "no jobs came"
            everyone = [p.pid for p in procs] + [d for p in procs for d in _descendants(p.pid)]
            for line in _cmdlines(everyone):
                assert token not in line, line  # the token never rides on a command line
            victim = workers[1]
            locust_worker = _descendants(victim.pid)
            assert locust_worker, "the second worker runs no Locust process"
            os.kill(victim.pid, signal.SIGKILL)  # its machine dies: wrapper and Locust worker
            for pid in locust_worker:
                os.kill(pid, signal.SIGKILL)
            _, err = master.communicate(timeout=120)
            truth = server.ground_truth()
        finally:
            for proc in procs:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.communicate()
    assert master.returncode == 0, err
    data = json.loads(report.read_text())
    section = data["scenarios"]["queue-latency"]
    acc = section["accounting"]
    assert acc["submitted"] == sum(v for k, v in acc.items() if k != "submitted")
    assert len(truth) <= MAX_JOBS  # the shared budget was never exceeded
    assert acc["submitted"] <= MAX_JOBS
    states = Counter(w["state"] for w in section["workers"])
    assert states == {"finished": 1, "died": 1}, section["workers"]
    live = next(w for w in section["workers"] if w["state"] == "finished")
    assert live["records"] == live["submits_sent"] > 0  # the live one ran to the end
    reported = [j["request_id"] for j in section["jobs"] if j["request_id"]]
    assert len(reported) == len(set(reported))  # exactly once
    accepted = {t["request_id"] for t in truth}
    assert set(reported) <= accepted
    missing = accepted - set(reported)
    assert len(missing) <= acc["unaccounted"], (missing, acc)  # never silently dropped
    dead = next(w for w in section["workers"] if w["state"] == "died")
    assert dead["records"] + dead["lost"] > 0  # it had worked before it died
    # Its jobs nobody saw end were cancelled by the master, and the server agrees.
    orphans = [j for j in section["jobs"] if j["worker"] == dead["worker"]
               and j["outcome"] == "lost" and j["request_id"]]  # fmt: skip
    assert len(orphans) == dead["lost"]
    assert all(j["cleanup"] in ("cancelled", "not_cancellable") for j in orphans), orphans
    final = {t["request_id"]: t["state"] for t in truth}
    cancelled = [j["request_id"] for j in orphans if j["cleanup"] == "cancelled"]
    assert cancelled, "the dead worker left no queued job: the test did not exercise the cancel"
    assert all(final[rid] == "cancelled" for rid in cancelled)
    print(json.dumps({"accounting": acc, "workers": section["workers"], "truth": len(truth)}))


def test_plain_locust_master_and_worker_work_the_same_way(tmp_path):
    """`locust -f locustfiles/...` as master, `locust -f - --worker` elsewhere: the budget and
    the records still travel over Locust's messages into the master's one results file."""
    config = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.02, jitter_sigma=0.0))
    port = free_loopback_port()
    with EmulatorServer(config) as server:
        worker = subprocess.Popen(
            [sys.executable, "-m", "locust", "-f", "-", "--worker", "--master-host",
             "127.0.0.1", "--master-port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            **_machine(tmp_path, "worker", server.token),  # type: ignore[arg-type]
        )  # fmt: skip
        results = tmp_path / "master" / "results.json"
        master = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(_ROOT / "locustfiles/queue_latency.py"),
             "--master", "--expect-workers", "1", "--master-bind-host", "127.0.0.1",
             "--master-bind-port", str(port), "--headless", "-u", "1", "-r", "1",
             "--run-time", "30s", "--host", server.base_url, "--only-summary",
             "--job-rate", "4", "--submit-for", "2", "--max-jobs", "5", "--poll-policy", "0.05",
             "--input-image-url", server.sample_url(), "--harness-results", str(results),
             "--quit-when-done"],
            check=False, capture_output=True, text=True, timeout=120,
            **_machine(tmp_path, "master", server.token),  # type: ignore[arg-type]
        )  # fmt: skip
        truth = server.ground_truth()
        try:
            worker.wait(timeout=30)  # the master's quit ends it
        finally:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait()
    assert results.exists(), master.stderr[-2000:]
    data = json.loads(results.read_text())
    ids = sorted(r["request_id"] for r in data["records"] if r["request_id"])
    assert ids == sorted(t["request_id"] for t in truth)  # each accepted job, once
    assert 0 < len(truth) <= 5  # the master's budget, lent to the worker
    assert [w["state"] for w in data["workers"]] == ["finished"]
    assert data["submits_sent"] == len(data["records"])
