"""`simulate` end to end in-process: answers, its report, bad input, --from-report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main


def test_p95_at_a_rate_with_n_gpus(tmp_path, capsys):
    out = tmp_path / "sim.json"
    code = main(["simulate", "--rate", "3", "--workers", "4", "--mean-service", "1",
                 "--service-cv", "0.5", "--jobs", "20000", "--report", str(out)])  # fmt: skip
    assert code == 0
    report = json.loads(out.read_text())
    assert report["report"] == "chronoedit-harness simulate"
    assert report["version"] == 1
    assert report["answer"]["workers"] == 4
    assert report["question"]["jobs"] == 20000
    assert report["fleet"]["utilisation"] == pytest.approx(0.75, rel=0.05)
    waits = report["waits"]
    assert waits["p95_low"] <= waits["p95"] <= waits["p95_high"]
    formula = report["formula"]
    assert formula["relative_error"] == pytest.approx(formula["wait_quantile"] / waits["p95"] - 1)
    text = capsys.readouterr().out
    assert "4 GPUs at 3 jobs/s: p95 queue wait" in text
    assert "M/G/c formula says" in text


def test_gpus_for_a_target_and_a_target_no_fleet_meets(tmp_path, capsys):
    code = main(["simulate", "--rate", "3", "--target-wait", "0.5", "--mean-service", "1",
                 "--jobs", "20000"])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "GPUs keep p95 queue wait <= 0.5s at 3 jobs/s" in text
    assert "formula's GPU count" in text
    code = main(["simulate", "--rate", "30", "--target-wait", "0.5", "--mean-service", "1",
                 "--jobs", "5000", "--max-workers", "8"])  # fmt: skip
    assert code == 1
    assert "not even 8 GPUs keep p95 queue wait <= 0.5s" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "1"], "exactly one of --workers N or --target-wait S"),
        (["--rate", "1", "--workers", "2", "--target-wait", "1"], "exactly one of"),
        (["--workers", "2"], "--rate is required"),
        (["--rate", "-1", "--workers", "2"], "argument --rate"),
        (["--rate", "1", "--workers", "0"], "workers must be between"),
        (["--rate", "1", "--workers", "2", "--quantile", "1.5"], "--quantile"),
        (["--rate", "1", "--workers", "2", "--jobs", "0"], "--jobs"),
        (["--rate", "1", "--workers", "2", "--service-cv", "-1"], "CV"),
        (["--workers", "2", "--arrivals", "replay"], "needs --from-report"),
        (["--workers", "2", "--from-report", "nowhere.json"], "not a load report"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys):
    assert main(["simulate", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_an_unwritable_report_is_refused_before_simulating(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["simulate", "--rate", "1", "--workers", "2", "--report",
                 str(blocker / "r.json")]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert "--report" in err
    assert "simulate:" not in capsys.readouterr().out


def _job(i: int, submit: float, run: tuple[float, float] | None, outcome="completed"):
    return {"request_id": f"r{i}", "submit_sent": submit, "outcome": outcome,
            "intervals": {} if run is None else {"run_time": list(run)}}  # fmt: skip


def test_from_a_load_report_resamples_its_run_times_and_replays_its_arrivals(tmp_path, capsys):
    jobs = [_job(i, 100.0 + 0.5 * i, (0.9, 1.1)) for i in range(40)]
    jobs += [_job(99, 120.0, None, "lost"), {"request_id": None, "submit_sent": 1.0}]
    report = tmp_path / "load.json"
    report.write_text(json.dumps({"scenarios": {"queue-latency": {"jobs": jobs}}}))
    out = tmp_path / "sim.json"
    assert main(["simulate", "--from-report", str(report), "--workers", "1",
                 "--report", str(out)]) == 0  # fmt: skip
    sim = json.loads(out.read_text())
    assert sim["question"]["arrivals"]["process"] == "replay"
    assert sim["question"]["arrivals"]["times"] == 41  # every accepted job, lost included
    assert sim["question"]["jobs"] == 41
    assert sim["question"]["service"]["mean"] == pytest.approx(1.0)
    assert sim["question"]["service"]["family"] == "measured"
    # one GPU, a 1 s job every 0.5 s: the queue grows by 0.5 s per job
    assert sim["waits"]["p95"] == pytest.approx(0.5 * 38, abs=0.01)  # the 39th of 41
    assert main(["simulate", "--from-report", str(report), "--workers", "3", "--rate", "1",
                 "--jobs", "2000"]) == 0  # fmt: skip
    assert "at 1 jobs/s" in capsys.readouterr().out
    assert main(["simulate", "--from-report", str(report), "--scenario", "cancel",
                 "--workers", "1"]) == 2  # fmt: skip
    assert "no scenario 'cancel'" in capsys.readouterr().err
    empty = tmp_path / "empty.json"
    empty.write_text(json.dumps({"scenarios": {"x": {"jobs": [_job(1, 1.0, None, "lost")]}}}))
    assert main(["simulate", "--from-report", str(empty), "--workers", "1"]) == 2
    assert "fewer than 2 completed jobs" in capsys.readouterr().err


def test_the_simulated_jobs_as_a_live_runs_report(tmp_path):
    from jsonschema import Draft202012Validator

    load, html = tmp_path / "load.json", tmp_path / "load.html"
    code = main(["simulate", "--rate", "3", "--workers", "4", "--mean-service", "1",
                 "--jobs", "3000", "--report-jobs", "800", "--load-report", str(load),
                 "--html", str(html)])  # fmt: skip
    assert code == 0
    data = json.loads(load.read_text())
    schema = json.loads(
        (Path(__file__).resolve().parents[2] / "schemas" / "load-report.schema.json").read_text()
    )
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors[:3]]
    section = data["scenarios"]["simulated"]
    assert section["accounting"]["submitted"] == 800
    assert len(section["jobs"]) == 800
    cap = section["capacity"]
    assert cap["kind"] == "estimate"
    assert cap["servers"] == data["capacity"][0]["servers"]
    assert "simulated" in html.read_text()
