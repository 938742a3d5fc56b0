"""`chronoedit-harness load` end to end: emulator and Locust each in their own process."""

from __future__ import annotations

import json

import pytest

from harness.cli import main

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
        "--html", str(html_path), "--csv", str(tmp_path / "locust"),
        "--slo", "lost==0", "--slo", "queue_wait.p95<0.001s",
    ])  # fmt: skip
    out = capsys.readouterr()
    assert code == 1  # the impossible SLO breaks the gate
    report = json.loads(report_path.read_text())
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
    csvs = list(tmp_path.glob("locust*_stats.csv"))
    assert csvs
    for text in (out.out, out.err, report_path.read_text(), html, csvs[0].read_text()):
        assert SECRET not in text


@pytest.mark.live
def test_html_report_screenshot_in_headless_chromium(tmp_path):
    """Optional: only where chromium is installed (benchmarks/screenshot_report.py)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "screenshot_report.py"
    spec = importlib.util.spec_from_file_location("screenshot_report", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if module.find_chromium() is None:
        pytest.skip("chromium not installed")
    from harness.reports.load_html import render_html

    report = {"accounting": {"submitted": 0}, "scenarios": {}, "target": "x"}
    html = tmp_path / "r.html"
    html.write_text(render_html(report))
    module.screenshot(html, tmp_path / "r.png", height=600)
    assert (tmp_path / "r.png").stat().st_size > 1000


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
    assert report["accounting"]["submitted"] == 7
    assert "--max-jobs 7 spent" in capsys.readouterr().err
