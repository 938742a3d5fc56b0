"""The capacity search's HTML report: the answer first (rate, bracket, jobs against the budget),
then every probe as a table with units and as a plot; no Python reprs, rounded figures.

Built from a real search over a simulated fleet (fast), and from a real `capacity --html` run
on the embedded emulator."""

from __future__ import annotations

import asyncio
import base64
import copy
import io
import json
import re
from typing import Any

import pytest

from harness.cli import main
from harness.load.run.capacity_search import SearchPlan, search, search_report
from harness.load.run.fleet_model import fleet_predictor
from harness.model.fleet import Fleet, ServiceLaw
from harness.reports import load_format as fmt
from harness.reports.capacity_console import confirmation, headline, print_summary
from harness.reports.capacity_html import render_capacity_html
from tests.capacity.observe import simulated_measure
from tests.foundation.counting import counting_emulator
from tests.load.html_page import Page, python_reprs


def _search(plan: SearchPlan) -> dict[str, Any]:
    measure = simulated_measure(Fleet(2), ServiceLaw(1.0, 0.2), 0.1)
    state = asyncio.run(search(plan, measure, fleet_predictor))
    return search_report(state, driver="simulated fleet")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    plan = SearchPlan(target=1.0, max_jobs=1200, step_jobs=150, confirm_jobs=300,
                      time_budget=1e6)  # fmt: skip
    built = _search(plan)
    answer = built["answer"]
    assert answer is not None
    assert None not in answer["interval"]
    assert {s["meets"] for s in built["steps"]} == {True, False}
    return built


def _page(report: dict[str, Any]) -> Page:
    page = Page()
    page.feed(render_capacity_html(report))
    return page


@pytest.fixture(scope="module")
def page(report: dict[str, Any]) -> Page:
    return _page(report)


def test_the_page_opens_with_the_answer_its_bracket_and_its_cost(page, report):
    assert page.headings[:2] == ["Capacity report", "Answer"]
    text = " ".join(page.text)
    answer, cost = report["answer"], report["cost"]
    headline = (f"~{fmt.rate(answer['estimate'])} is the highest rate that keeps p95 queue "
                f"wait under 1.00 s")  # fmt: skip
    low, high = answer["interval"]
    summary = (f"met at {fmt.rate(low)}, missed at {fmt.rate(high)} · confirmed by a longer run"
               f" · {fmt.count(cost['jobs'])} jobs of a budget of 1,200")  # fmt: skip
    assert text.index(headline) < text.index(summary) < text.index("Probes")
    assert "search ended: bracketed within the tolerance and confirmed" in text
    cells = page.cells
    assert cells[cells.index("answer") : cells.index("answer") + 4] == [
        "answer", "value", "highest rate keeping p95 queue wait under 1.00 s, fitted to every "
        "probe", fmt.rate(answer["estimate"])]  # fmt: skip
    row = cells.index("jobs submitted (budget: --max-jobs)")
    assert cells[row + 1] == f"{fmt.count(cost['jobs'])} of 1,200"
    assert "jobs the server accepted" not in cells  # only the `capacity` command counts them


def test_every_probe_is_a_row_with_units_and_a_verdict(page, report):
    cells = page.cells
    for number, step in enumerate(report["steps"], start=1):
        low, high = step["p95_bracket"]
        row = [str(number), step["phase"], fmt.rate(step["rate"]), fmt.count(step["jobs"]),
               fmt.count(step["judged"]), fmt.seconds(step["p95"]),
               f"{fmt.seconds(low)} to {fmt.seconds(high)}", fmt.percent(step["within"]),
               fmt.seconds(step["model_p95"]), fmt.percent(step["confidence"]),
               "met" if step["meets"] else "missed"]  # fmt: skip
        start = cells.index(str(number), cells.index("verdict"))
        assert cells[start : start + len(row)] == row
    assert all(c.endswith(" jobs/s") for c in cells if "jobs/s" in c)
    assert "missed" in cells
    assert "met" in cells


def test_no_python_reprs_and_rounded_figures(page):
    text = " ".join(page.text)
    assert python_reprs(text) == []
    numbers = [n for c in page.cells for n in re.findall(r"\d[\d,]*\.\d+", c)]
    assert numbers
    significant = [len(n.replace(",", "").replace(".", "").lstrip("0")) for n in numbers]
    assert max(significant) <= 3, numbers
    snake = [c for c in page.cells if re.fullmatch(r"[a-z]+_[a-z_]+", c)]
    assert snake == []  # readable labels, not the JSON's keys


def test_the_plot_is_inline_and_labelled(page):
    [image] = page.images
    src = str(image["src"])
    assert src.startswith("data:image/png;base64,")
    assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert image["alt"] == "capacity search: p95 queue wait against arrival rate"


def test_a_search_that_found_nothing_says_so_without_a_plot():
    tiny = SearchPlan(target=1.0, max_jobs=200, step_jobs=80, probe_jobs=16, confirm_jobs=160)
    report = _search(tiny)
    assert report["answer"] is None
    assert report["steps"] == []
    page = _page(report)
    text = " ".join(page.text)
    assert "No rate found that keeps p95 queue wait under 1.00 s" in text
    assert "search ended: --max-jobs 200 would be exceeded" in text
    assert "No step was measured" in text
    assert page.images == []
    assert python_reprs(text) == []


def test_an_unbounded_answer_reads_as_a_lower_bound(report):
    bounded = copy.deepcopy(report)
    bounded["answer"]["interval"][1] = None  # no rate tried missed the target
    bounded["answer"]["confirmed"] = None
    bounded["stopped"] = "interrupted (queued jobs cancelled)"
    page = _page(bounded)
    text = " ".join(page.text)
    assert page.text[page.text.index("Answer") - 1].startswith("Interrupted (Ctrl-C)")
    assert (f"at least {fmt.rate(report['answer']['rate'])} keeps p95 queue wait under "
            "1.00 s (a lower bound: no rate tried missed the target)") in text  # fmt: skip
    assert "no rate tried missed · no confirmation run" in text
    row = page.cells.index("confirmation run")
    assert page.cells[row + 1] == "no confirmation run"
    assert python_reprs(text) == []


@pytest.mark.live
def test_capacity_writes_the_html_from_a_real_run(tmp_path, capsys):
    """A small, fast search on the embedded emulator (2 GPUs, ~40 ms a job)."""
    json_path, html_path = tmp_path / "c.json", tmp_path / "out" / "c.html"
    argv = ["capacity", "--target-wait", "100ms", "--max-jobs", "120", "--step-jobs", "30",
            "--confirm-jobs", "30", "--probe-jobs", "8", "--emulator-workers", "2",
            "--emulator-time-per-step", "0.004", "--poll-interval", "0.01",
            "--report", str(json_path), "--html", str(html_path)]  # fmt: skip
    code = main(argv)
    data = json.loads(json_path.read_text())
    assert code == (0 if data["answer"] else 1), capsys.readouterr()
    page = Page()
    page.feed(html_path.read_text(encoding="utf-8"))
    text = " ".join(page.text)
    assert python_reprs(text) == []
    if data["answer"]:
        headline = page.text[page.text.index("Answer") + 2]
        bounded = data["answer"]["interval"][1] is not None
        shown = f"~{fmt.rate(data['answer']['estimate'])}" if bounded else fmt.rate(
            data["answer"]["rate"])  # fmt: skip
        assert shown in headline
    assert "(embedded emulator)" in text
    accepted = page.cells.index("jobs the server accepted")
    assert page.cells[accepted + 1] == fmt.count(data["cost"]["accepted"]) != "0"
    assert len([c for c in page.cells if c in ("met", "missed")]) == len(data["steps"])


@pytest.mark.live
def test_an_unwritable_html_path_is_refused_before_any_request(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    report = tmp_path / "r.json"
    with counting_emulator() as emulator:
        code = main(["capacity", "--base-url", emulator.url, "--token", emulator.server.token,
                     "--target-wait", "1s", "--report", str(report),
                     "--html", str(blocker / "c.html")])  # fmt: skip
        assert emulator.requests == []
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("error: --html ")
    assert "is not a folder" in err
    assert not report.exists()


def test_the_console_says_the_same_answer_without_reprs(report):
    out = io.StringIO()
    print_summary(report, out)
    lines = out.getvalue().splitlines()
    steps = report["steps"]
    assert len(lines) == len(steps) + 4
    first = steps[0]
    verdict = "met" if first["meets"] else "missed"
    low, high = (fmt.seconds(b) for b in first["p95_bracket"])
    assert " ".join(lines[0].split()) == (
        f"{first['phase']} {fmt.rate(first['rate'])}: p95 queue wait {fmt.seconds(first['p95'])} "
        f"({low} to {high}), {fmt.percent(first['within'])} within target: {verdict} "
        f"(confidence {fmt.percent(first['confidence'])}, {first['jobs']} jobs)"
    )
    assert lines[len(steps)] == f"capacity: {headline(report)}"
    assert lines[len(steps) + 1].startswith("capacity: met at ")
    assert lines[len(steps) + 1].endswith("; stopped: bracketed within the tolerance and confirmed")
    assert python_reprs(out.getvalue()) == []


def test_a_failed_confirmation_is_said_so():
    assert confirmation(False) == "not confirmed: a longer run missed at a rate that had met"
    assert confirmation(True) == "confirmed by a longer run"
    assert confirmation(None) == "no confirmation run"
