"""The load report's writers: HTML (parsed, no browser needed), console, CSV, and the figure
formatting they share. Answers first, units everywhere, no Python reprs."""

from __future__ import annotations

import csv
import io
import re

import pytest
from rich.console import Console

from harness.load.measure.slo import parse_slo
from harness.load.run.report import Truth, build_report
from harness.load.run.report_model import LoadReport
from harness.reports import load_format as fmt
from harness.reports.load_console import print_summary
from harness.reports.load_csv import HEADER, csv_text
from harness.reports.load_html import render_html
from harness.reports.load_json import report_data
from tests.load.html_page import Page
from tests.load.report_schema import validate_report
from tests.load.simulated import simulate


@pytest.fixture(scope="module")
def report() -> LoadReport:
    sims = {
        "queue-latency": simulate(),
        "polling": simulate("polling", policies=(0.05, 0.2), seed=1),
        "cancel": simulate("cancel", cancel_every=4, seed=2, violations=3),
    }
    truth = [t for s in sims.values() for t in s.truth]
    built = build_report(
        {name: [s.results] for name, s in sims.items()}, base_url="http://127.0.0.1:9",
        embedded=True, target_wait=1.0, settings={},
        slos=[parse_slo("lost==0"), parse_slo("queue_wait.p95<0.5s")], truth=Truth(truth, "", 2),
    )  # fmt: skip
    validate_report(report_data(built))
    return built


@pytest.fixture(scope="module")
def page(report: LoadReport) -> Page:
    parsed = Page()
    parsed.feed(render_html(report))
    return parsed


def test_the_page_opens_with_the_answers(page, report):
    assert page.headings[:2] == ["Load report", "Answers"]
    text = " ".join(page.text)
    first_scenario = text.index("Scenario: queue-latency")
    headline = text.index("is the highest rate that keeps p95 queue wait under 1.00 s")
    assert headline < text.index("SLO verdicts") < text.index("Accounting: every") < first_scenario
    rate = fmt.rate(report.capacity[0].max_rate)
    assert text.index(rate) < first_scenario


def test_no_python_reprs_and_no_raw_numbers(page):
    text = " ".join(page.text)
    for repr_word in ("None", "True", "False", "nan", "inf", "{'", "[{", "':"):
        assert not re.search(rf"(?<![\w-]){re.escape(repr_word)}(?![\w-])", text), repr_word
    numbers = [n for c in page.cells for n in re.findall(r"\d[\d,]*\.\d+", c)]
    assert numbers
    significant = [len(n.replace(",", "").replace(".", "").lstrip("0")) for n in numbers]
    assert max(significant) <= 4, numbers  # rounded, never 0.30000000000000004
    assert not [c for c in page.cells if "_" in c and " " not in c and not c.startswith("job-")
                and "." not in c and "<" not in c]  # fmt: skip


def test_units_everywhere(page):
    cells = page.cells
    assert "jobs/s" in " ".join(cells)
    figures = cells[cells.index("figure") :]
    assert any(c.endswith(" s") for c in figures)
    assert any(c.endswith(" ms") for c in figures)
    capacity = cells[cells.index("capacity") : cells.index("capacity") + 40]
    values = capacity[3::2][:6]  # the value column of the first rows
    assert all(re.search(r"(jobs/s|s|servers?\)|throughput.*\))$", v) for v in values[:2]), values
    assert "queue wait" in cells  # readable labels, not snake_case keys
    assert "queue_wait" not in cells


def test_plots_are_inline_sized_and_labelled(page):
    assert len(page.images) >= 3 * 3
    for image in page.images:
        assert str(image["src"]).startswith("data:image/png;base64,")
        assert image["alt"]


def test_slo_verdicts_and_accounting_read_as_tables(page):
    cells = page.cells
    assert "queue_wait.p95<0.5s" in cells
    assert "FAIL" in cells
    assert "pass" in cells
    start = cells.index("submitted")
    assert cells[start : start + 7] == ["submitted", "completed", "failed", "cancelled", "lost",
                                        "rejected", "unaccounted"]  # fmt: skip
    assert cells[start + 7 : start + 14] == ["180", "165", "0", "15", "0", "0", "0"]


def test_an_interrupted_run_says_so_first():
    run = simulate(jobs=8).results
    run.interrupted = True
    report = build_report({"queue-latency": [run]}, base_url="http://x", embedded=False,
                          target_wait=1.0, settings={})  # fmt: skip
    validate_report(report_data(report))
    parsed = Page()
    parsed.feed(render_html(report))
    assert parsed.text[parsed.text.index("Answers") - 1].startswith("Interrupted (Ctrl-C)")
    assert "not an emulator: no ground truth" in parsed.text


def test_console_shows_accounting_as_a_table_not_a_dict(report):
    console = Console(file=io.StringIO(), width=140, color_system=None)
    print_summary(report, console)
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "{'" not in out
    assert "submitted" in out
    assert re.search(r"180\s*│\s*165\s*│\s*0\s*│\s*15\s*│\s*0\s*│\s*0", out)
    assert (
        out.index("capacity (queue-latency)")
        < out.index("SLO verdicts")
        < out.index("accounting (jobs)")
    )
    assert "FAIL" in out
    assert "ground truth: 60 jobs compared, all inside their bounds" in out
    assert "cancel while_running: 0 attempts (no job was seen in_progress" in out


def test_csv_is_one_row_per_scenario_metric(report):
    rows = list(csv.reader(io.StringIO(csv_text(report))))
    assert rows[0] == HEADER
    assert len(rows) == 1 + sum(len(s.metrics) for s in report.scenarios.values())
    queue = next(r for r in rows if r[:2] == ["queue-latency", "queue_wait"])
    assert queue[3] == "s"
    assert float(queue[7]) == pytest.approx(report.scenarios["queue-latency"].metrics[
        "queue_wait"].p95)  # fmt: skip


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, fmt.DASH), (float("inf"), fmt.DASH), (0.0, "0 s"), (0.0000123, "12.3 µs"),
        (0.0123, "12.3 ms"), (0.09999, "100 ms"), (0.99999, "1.00 s"), (1.5, "1.50 s"),
        (42.0, "42.0 s"), (119.9, "2.00 min"), (119.0, "119 s"), (600.0, "10.0 min"),
        (7140.0, "119 min"), (7199.0, "2.00 h"), (86_400.0, "24.0 h"),
        (-0.25, "-250 ms"),
    ],
)  # fmt: skip
def test_seconds(value, shown):
    assert fmt.seconds(value) == shown


def test_other_figures():
    assert fmt.rate(2.6794) == "2.68 jobs/s"
    assert fmt.rate(None) == fmt.DASH
    assert fmt.count(180) == "180"
    assert fmt.count(12345.0) == "12,345"
    assert fmt.count(2.5) == "2.50"
    assert fmt.number(1234.6) == "1,235"
    assert fmt.number(0.0) == "0"
    assert fmt.percent(0.25) == "25%"
    assert fmt.signed_percent(-0.006) == "-0.6%"
    assert fmt.yes_no(True) == "yes"
    assert fmt.yes_no(None) == fmt.DASH
    assert fmt.when(0) == fmt.DASH
    assert fmt.when(1767225600.0) == "2026-01-01 00:00:00 UTC"
    assert fmt.in_unit(0.5, "s") == "500 ms"
    assert fmt.in_unit(3.0, "count") == "3"


def test_goodput_honest_figures_and_warmup_reach_the_page():
    from harness.load.measure.warmup import parse_warmup

    run = simulate(jobs=30).results
    run.records[3].outcome = "lost"  # one job never finished: the honest p99 is "never"
    run.submits_sent = len(run.records)
    report = build_report(
        {"queue-latency": [run]}, base_url="http://x", embedded=False, target_wait=1.0,
        settings={}, slos=[parse_slo("queue_wait.p95<2s")], warmup=parse_warmup("5jobs"),
    )  # fmt: skip
    validate_report(report_data(report))
    section = report.scenarios["queue-latency"]
    assert section.goodput is not None
    assert section.warmup is not None
    parsed = Page()
    parsed.feed(render_html(report))
    text = " ".join(parsed.text)
    answers = text[: text.index("Scenario: queue-latency")]
    assert "Goodput · queue-latency:" in answers
    assert f"of {section.goodput.jobs} jobs met every per-job target" in answers
    assert "Counting failed and lost jobs as never finished" in parsed.headings
    assert "never" in parsed.cells
    assert "Warm-up (5jobs)" in parsed.headings
    assert f"{section.warmup.excluded_jobs} jobs reported apart" in text


def test_a_worker_that_died_is_reported_on_the_page():
    run = simulate(jobs=12).results
    run.workers = [
        {"worker": "w1", "state": "finished", "records": 8, "submits_sent": 8, "permits": 8,
         "lost": 0, "unaccounted": 0},
        {"worker": "w2", "state": "died", "records": 4, "submits_sent": 4, "permits": 6,
         "lost": 1, "unaccounted": 2},
    ]  # fmt: skip
    report = build_report({"queue-latency": [run]}, base_url="http://x", embedded=False,
                          target_wait=1.0, settings={})  # fmt: skip
    validate_report(report_data(report))
    parsed = Page()
    parsed.feed(render_html(report))
    assert "Locust workers" in parsed.headings
    assert (
        "1 worker died mid-run: 1 accepted jobs counted lost, 2 granted submits unaccounted."
        in (parsed.text)
    )
    start = parsed.cells.index("w2")
    assert parsed.cells[start : start + 7] == ["w2", "died", "4", "4", "6", "1", "2"]


def test_durations_over_the_histograms_range_are_shown_not_dropped():
    run = simulate(jobs=10).results
    run.histograms.record("queue_wait", 3 * 86_400.0)  # a job that waited three days
    report = build_report({"queue-latency": [run]}, base_url="http://x", embedded=False,
                          target_wait=1.0, settings={})  # fmt: skip
    data = report_data(report)
    validate_report(data)
    wait = data["scenarios"]["queue-latency"]["metrics"]["queue_wait"]
    assert (wait["count"], wait["overflow"], wait["max"]) == (11, 1, 86_400.0)
    note = ("queue wait: 1 value was over 24.0 h, the histograms' range; counted, and a figure "
            "that falls on them reads 24.0 h")  # fmt: skip
    parsed = Page()
    parsed.feed(render_html(report))
    assert f"{note}." in parsed.text
    console = Console(file=io.StringIO(), width=200, color_system=None)
    print_summary(report, console)
    assert note in console.file.getvalue()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(csv_text(report))))
    assert rows[0][-1] == "overflow"
    queue = next(r for r in rows if r[:2] == ["queue-latency", "queue_wait"])
    assert queue[-1] == "1"
    assert queue[4] == "11"
    run_time = next(r for r in rows if r[:2] == ["queue-latency", "run_time"])
    assert run_time[-1] == "0"
    assert "run time:" not in " ".join(parsed.text)  # no note where nothing overflowed
