"""`chronoedit-harness load` end to end: emulator and Locust each in their own process."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from tests.load.report_schema import validate_report

SECRET = "sekrit-load-token-123"


@pytest.mark.parametrize(
    "argv",
    [
        ["--base-url", "https://model-api.runcomfy.net", "--token", "t"],
        ["--base-url", "https://model-api.runcomfy.net", "--token", "t", "--allow-remote"],
        ["--slo", "queue_wait.p42<3s"],
        ["--rate", "-1"],
        ["--duration", "soon"],
        ["--poll-policy", "backoff:1"],
        ["--poll-interval", "0"],
        ["--duration", "0s"],
        ["--processes", "100000"],
        ["--emulator-fault", "no_such_fault"],
        ["--slo", "queue_wiat.p95<1s"],
        ["--scenario", "soak"],
        ["--base-url", "http://127.0.0.1:9", "--emulator-fault", "slow=0.5"],
        ["--report", "/proc/no/such/dir/r.json"],
        ["--html", "."],
    ],
)
def test_usage_errors_are_one_line_and_exit_2(argv, capsys):
    assert main(["load", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1


@pytest.mark.live
@pytest.mark.slow
def test_short_run_agrees_with_ground_truth_and_predicts_saturation(tmp_path, capsys):
    report_path, html_path = tmp_path / "r.json", tmp_path / "r.html"
    code = main([
        "load", "--scenario", "queue-latency", "--rate", "8", "--duration", "3s",
        "--drain", "20s", "--emulator-workers", "2", "--emulator-time-per-step", "0.05",
        "--poll-interval", "0.05", "--token", SECRET, "--report", str(report_path),
        "--html", str(html_path), "--locust-csv", str(tmp_path / "locust"),
        "--csv", str(tmp_path / "r.csv"),
        "--slo", "lost==0", "--slo", "queue_wait.p95<0.001s",
    ])  # fmt: skip
    out = capsys.readouterr()
    assert code == 1  # the impossible SLO breaks the gate
    report = json.loads(report_path.read_text())
    validate_report(report)
    section = report["scenarios"]["queue-latency"]
    acc = section["accounting"]
    assert acc["submitted"] == sum(v for k, v in acc.items() if k != "submitted") > 10
    assert acc["lost"] == 0
    assert acc["rejected"] == 0
    truth = section["ground_truth"]
    assert truth["compared"] == acc["completed"]
    assert truth["all_within"], truth["misses"]
    cap = section["capacity"]
    assert abs(cap["prediction_error"]) < 0.15, cap
    # the server's own stamps, beside the client's figures: same machine, so they agree
    st = section["server_timestamps"]
    assert st["results_read"] == st["compared"] == acc["completed"]
    assert (st["within"], st["outside"], st["unparseable"]) == (acc["completed"], 0, 0), st
    assert st["formats"]["created_at"] == {"iso8601_utc_z": acc["completed"]}
    assert abs(st["clock_offset"]["median"]) < 0.005, st["clock_offset"]
    assert "server timestamps: server end-to-end within client bounds" in out.out
    assert [s["passed"] for s in report["slos"]] == [True, False]
    assert report["capacity"][0]["scenario"] == "queue-latency"
    job = section["jobs"][0]
    for key in (
        "server_created_at",
        "server_finished_at",
        "server_end_to_end",
        "request_id",
        "intended_at",
        "submit_sent",
        "submit_acked",
        "first_running_seen",
        "terminal_seen",
        "polls",
        "outcome",
    ):
        assert key in job
    assert section["metrics"]["queue_wait"]["count"] == acc["completed"]
    html = html_path.read_text()
    assert html.count("data:image/png;base64,") >= 3
    assert "server end-to-end within client bounds" in html
    assert "http" not in html.split("<body>")[0]
    assert "queue_wait.p95&lt;0.001s" in html
    assert (tmp_path / "r.csv").read_text().startswith("scenario,metric,")
    csvs = list(tmp_path.glob("locust*_stats.csv"))
    assert csvs
    texts = (out.out, out.err, report_path.read_text(), html, csvs[0].read_text())
    for text in (*texts, (tmp_path / "r.csv").read_text()):
        assert SECRET not in text


@pytest.mark.live
@pytest.mark.slow
def test_max_jobs_is_the_budget_of_the_whole_command(tmp_path, capsys):
    """--max-jobs caps the submits of all scenarios and repeats together, not each run."""
    report_path = tmp_path / "r.json"
    code = main([
        "load", "--scenario", "all", "--repeats", "2", "--rate", "20", "--duration", "1s",
        "--drain", "10s", "--emulator-time-per-step", "0.005", "--poll-interval", "0.05",
        "--max-jobs", "7", "--report", str(report_path),
    ])  # fmt: skip
    assert code == 0
    report = json.loads(report_path.read_text())
    validate_report(report)
    assert report["accounting"]["submitted"] == 7
    assert "--max-jobs 7 spent" in capsys.readouterr().err
