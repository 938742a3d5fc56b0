"""A run stopped early on a lost gate, in the typed report: its section, the lost gate failed,
every other verdict as the rule says, and every writer telling why."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from harness.load.measure.early_stop import first_lost, stopped_record
from harness.load.measure.jobs import CancelRecord
from harness.load.measure.results import RunResults
from harness.load.measure.slo import parse_slo
from harness.load.run.judging import exit_code, stop_section
from harness.load.run.report import build_report
from harness.load.run.report_model import to_plain
from harness.reports.load_console import print_summary
from harness.reports.load_html import render_html
from harness.reports.load_junit import load_junit_xml
from tests.load.report_schema import validate_report

from .jobsets import job

LOST = parse_slo("queue_wait.p95<1s")
AT = 1_700_000_000.0  # 22:13:20 UTC
WAITS = [0.2] * 10 + [3.0]  # with 40 jobs in all, one miss in eleven is already too many


def _stopped_run(waits, *, cancelled: int = 0, scenario: str = "queue-latency") -> RunResults:
    """A run of jobs with these queue waits, then `cancelled` jobs its end cancelled queued,
    stopped on LOST with the schedule's 40 jobs."""
    run = RunResults(scenario, started_at=AT - 10, ended_at=AT + 1)
    for i, wait in enumerate(waits):
        run.add(job((wait, wait), at=AT - 10 + i * 0.1, scenario=scenario))
    look = first_lost([LOST], run.records, more=40 - len(waits), confidence=0.99)
    assert look is not None
    run.stopped = stopped_record(look, at=AT, finished=len(waits))
    for i in range(cancelled):  # cancelled by the stop: the flow saw it (the cleanup answer
        # may come after the record left a worker), or the run's end cancelled it (lost)
        outcome = ("cancelled", "lost")[i % 2]
        rec = job(None, outcome=outcome, run_time=None, at=AT - 5 + i * 0.1, scenario=scenario)
        rec.cleanup = None if outcome == "cancelled" else "cancelled"
        run.add(rec)
    scenario_cancel = job(None, outcome="cancelled", run_time=None, at=AT - 1, scenario=scenario)
    scenario_cancel.cancel = CancelRecord("after_submit", "submitted", AT - 1, 202, "cancelled")
    run.add(scenario_cancel)  # the cancel scenario's own: not the stop's
    run.submits_sent = len(run.records)
    return run


def _report(runs: dict[str, list[RunResults]], slos):
    return build_report(
        runs, base_url="http://127.0.0.1:1", embedded=False, target_wait=1.0, settings={},
        slos=slos, generated_at=AT + 2,
    )  # fmt: skip


def test_the_stop_section_says_when_after_how_many_jobs_why_and_what_was_cancelled():
    run = _stopped_run(WAITS, cancelled=4)
    stop = stop_section({"queue-latency": [run]})
    assert stop is not None
    assert (stop.scenario, stop.slo, stop.at) == ("queue-latency", LOST.text, AT)
    assert (stop.jobs, stop.under, stop.over, stop.undecided) == (11, 10, 1, 0)
    assert (stop.more, stop.needed, stop.confidence) == (29, 119, 0.99)
    assert (stop.submitted, stop.queued_cancelled) == (16, 4)
    assert stop.reason.startswith("queue_wait.p95<1s can no longer pass (1 over, 10 under")
    assert stop.explanation == (
        f"stopped early at 22:13:20 UTC after 16 jobs: {stop.reason}; 4 queued jobs cancelled"
    )
    assert stop_section({"queue-latency": [RunResults("queue-latency")]}) is None
    assert stop_section({}) is None


def test_the_lost_gate_fails_even_where_its_counts_read_inconclusive():
    # 10 under, 1 over: too few jobs for the rule to fail the gate; lost all the same
    run = _stopped_run(WAITS)
    slos = [LOST, parse_slo("queue_wait.max<10s"), parse_slo("run_time.p95<5s")]
    report = _report({"queue-latency": [run]}, slos)
    lost, other_max, other_p95 = report.slos
    assert lost.verdict == "fail"
    assert not lost.passed
    assert "inconclusive" in lost.explanation  # the rule's own reading stays visible
    assert lost.explanation.endswith(f"; stopped early: {report.stopped_early.reason}")
    assert other_max.verdict == "pass"  # other gates are judged by the rule alone
    assert other_p95.verdict == "inconclusive"
    assert "stopped early" not in other_p95.explanation
    assert exit_code(v.verdict for v in report.slos) == 1


def test_the_same_gate_in_another_scenario_is_left_to_the_rule():
    run = _stopped_run(WAITS)
    other = RunResults("polling", started_at=AT, ended_at=AT + 1)
    other.add(job((0.2, 0.2), scenario="polling"))
    other.submits_sent = 1
    report = _report({"queue-latency": [run], "polling": [other]}, [LOST])
    verdicts = {v.scope: v.verdict for v in report.slos}
    assert verdicts == {"queue-latency": "fail", "polling": "inconclusive"}


def test_without_a_stop_nothing_changes():
    run = RunResults("queue-latency", started_at=AT, ended_at=AT + 1)
    run.add(job((0.2, 0.2), at=AT))
    run.submits_sent = 1
    report = _report({"queue-latency": [run]}, [LOST])
    assert report.stopped_early is None
    assert report.slos[0].verdict == "inconclusive"


def test_every_writer_tells_why(capsys):
    run = _stopped_run(WAITS, cancelled=2)
    report = _report({"queue-latency": [run]}, [LOST])
    data = json.loads(json.dumps(to_plain(report)))
    validate_report(data)
    assert data["stopped_early"]["queued_cancelled"] == 2
    assert data["stopped_early"]["explanation"] == report.stopped_early.explanation
    print_summary(report)
    assert report.stopped_early.explanation in capsys.readouterr().out.replace("\n", " ")
    html = render_html(report)
    assert 'id="stopped-early"' in html
    assert "can no longer pass" in html
    failure = ET.fromstring(load_junit_xml(report.slos)).find(".//testcase/failure")
    assert failure is not None
    assert "stopped early: queue_wait.p95&lt;1s" in ET.tostring(failure, encoding="unicode")
