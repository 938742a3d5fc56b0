"""`load --stop-on-lost-slo` end to end: a lost gate stops the spending, an achievable one does
not, and without the option a run never stops early.

The lost runs go against an emulator this test owns (one GPU, ~0.45 s jobs, 8 jobs/s offered),
so the test can read its ground truth after the command is done: the jobs still queued when
the run stopped must be cancelled there, the one running must have run to its end.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from harness.cli import main
from harness.emulator import EmulatorServer
from harness.load.measure.arrivals import ArrivalSchedule
from harness.model.config import ModelConfig, ServiceTimes
from tests.load.report_schema import validate_report

pytestmark = [pytest.mark.live, pytest.mark.slow]

GATE = "queue_wait.p95<0.2s"  # one GPU at ~380% of its capacity: the queue wait is seconds
RATE, DURATION = 8.0, 20.0
# what the run's one user would submit without the stop (its arrival schedule, seed 0)
SCHEDULED = sum(1 for _ in ArrivalSchedule(RATE, "poisson", seed=0).offsets(DURATION))


def _slow_emulator() -> EmulatorServer:
    return EmulatorServer(
        ModelConfig(workers=1, times=ServiceTimes(time_per_step=0.05, jitter_sigma=0.0))
    )


def _load(server: EmulatorServer, tmp_path, *extra: str) -> tuple[int, dict]:
    report = tmp_path / "r.json"
    code = main([
        "load", "--base-url", server.base_url, "--token", server.token,
        "--input-image-url", server.sample_url(), "--scenario", "queue-latency",
        "--rate", f"{RATE:g}", "--poll-interval", "0.05", "--slo", GATE,
        "--report", str(report), *extra,
    ])  # fmt: skip
    data = json.loads(report.read_text())
    validate_report(data)
    return code, data


@pytest.mark.parametrize("processes", [0, 2])
def test_a_lost_gate_stops_the_run_cancels_its_queue_and_fails(tmp_path, capsys, processes):
    junit = tmp_path / "load.xml"
    with _slow_emulator() as server:
        code, data = _load(
            server, tmp_path, "--duration", f"{DURATION:g}s", "--drain", "5s",
            "--processes", str(processes), "--stop-on-lost-slo", "--junit", str(junit),
        )  # fmt: skip
        truth = server.ground_truth()
    out, err = capsys.readouterr()
    assert code == 1, err
    stop = data["stopped_early"]
    assert stop is not None
    assert stop["slo"] == GATE
    assert stop["scenario"] == "queue-latency"
    assert stop["needed"] > stop["more"]  # the reason it stopped, in its own figures
    assert stop["explanation"].startswith("stopped early at ")
    assert f"{GATE} can no longer pass" in stop["explanation"]
    # far fewer jobs than the schedule would have submitted (~160 over 20 s)
    assert stop["submitted"] < SCHEDULED / 2, (stop["submitted"], SCHEDULED)
    # every job submitted is accounted for, each exactly once, and the server agrees
    section = data["scenarios"]["queue-latency"]
    acc = section["accounting"]
    assert acc["submitted"] == stop["submitted"] == data["accounting"]["submitted"]
    assert acc["submitted"] == sum(v for k, v in acc.items() if k != "submitted")
    ids = sorted(j["request_id"] for j in section["jobs"] if j["request_id"])
    assert ids == sorted(t["request_id"] for t in truth)
    # the queue it left was cancelled on the server, the job running then ran to its end, and
    # each job's bucket is what the server says: none is made up as lost
    state = {t["request_id"]: t["state"] for t in truth}
    assert [r for r, s in state.items() if s in ("queued", "running")] == []
    cancelled = [j["request_id"] for j in section["jobs"] if j["outcome"] == "cancelled"]
    assert len(cancelled) == acc["cancelled"] == stop["queued_cancelled"] >= 1
    assert all(state[r] == "cancelled" for r in cancelled)
    assert acc["lost"] == 0
    assert acc["completed"] == sum(s == "succeeded" for s in state.values())
    # the gate fails, says why, in the JSON, the console and JUnit
    (verdict,) = data["slos"]
    assert verdict["verdict"] == "fail"
    assert "stopped early: " in verdict["explanation"]
    assert stop["explanation"] in out  # the console summary
    assert "queue-latency stopped early, no further runs" in err
    failure = ET.parse(junit).getroot().find(".//testcase/failure")
    assert failure is not None
    assert "stopped early" in failure.get("message", "")


def test_an_achievable_gate_never_stops_the_run(tmp_path):
    """Enough fast jobs (4 GPUs about a third busy, ~120 scheduled): the p95 gate can pass, so the
    run submits its whole schedule and passes."""
    config = ModelConfig(workers=4, times=ServiceTimes(time_per_step=0.005, jitter_sigma=0.0))
    rate, duration = 30.0, 4.0
    scheduled = sum(1 for _ in ArrivalSchedule(rate, "poisson", seed=0).offsets(duration))
    assert scheduled >= 90  # a p95 gate needs 90 jobs without a miss
    with EmulatorServer(config) as server:
        report = tmp_path / "r.json"
        code = main([
            "load", "--base-url", server.base_url, "--token", server.token,
            "--input-image-url", server.sample_url(), "--scenario", "queue-latency",
            "--rate", f"{rate:g}", "--duration", f"{duration:g}s", "--drain", "10s",
            "--poll-interval", "0.05", "--slo", "queue_wait.p95<5s", "--slo",
            "queue_wait.max<10s", "--stop-on-lost-slo", "--report", str(report),
        ])  # fmt: skip
    data = json.loads(report.read_text())
    validate_report(data)
    assert data["stopped_early"] is None
    assert data["accounting"]["submitted"] == scheduled
    assert [v["verdict"] for v in data["slos"]] == ["pass", "pass"]
    assert code == 0


def test_without_the_option_a_losing_run_spends_its_whole_schedule(tmp_path):
    with _slow_emulator() as server:
        code, data = _load(server, tmp_path, "--duration", "3s", "--drain", "3s")
    assert code == 1  # the gate fails on its own counts
    assert data["stopped_early"] is None
    assert data["accounting"]["submitted"] == sum(
        1 for _ in ArrivalSchedule(RATE, "poisson", seed=0).offsets(3.0)
    )


def test_a_budget_too_small_to_pass_stops_before_the_first_job(tmp_path, capsys):
    """20 jobs can never prove a p95 at 0.99 (it takes 90): nothing is submitted at all."""
    with _slow_emulator() as server:
        code, data = _load(
            server, tmp_path, "--duration", "20s", "--max-jobs", "20", "--stop-on-lost-slo"
        )
        truth = server.ground_truth()
    assert code == 1
    assert truth == []
    stop = data["stopped_early"]
    assert stop["submitted"] == 0
    assert (stop["more"], stop["needed"]) == (20, 90)
    assert data["accounting"]["submitted"] == 0
    assert data["slos"][0]["verdict"] == "fail"
    out, err = capsys.readouterr()
    assert "stopped early at " in out
    assert "run 1/1 against" not in err  # no Locust run was started


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--stop-on-lost-slo"], "--stop-on-lost-slo needs an --slo percentile or max gate"),
        (["--stop-on-lost-slo", "--slo", "lost==0"], "needs an --slo percentile or max gate"),
        (["--stop-on-lost-slo", "--slo", GATE, "--repeats", "2"], "drop --repeats"),
    ],
)
def test_the_option_is_refused_without_a_gate_it_can_lose(argv, message, capsys, tmp_path):
    assert main(["load", "--report", str(tmp_path / "r.json"), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "r.json").exists()  # refused before any job (and any file)
