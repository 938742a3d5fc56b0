"""The conform reports quote each finding's rule by id and text, as the rules table states it."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from rich.console import Console

from harness.checks import CHECKS, Outcome
from harness.conform.events import RunFinished, RunResult
from harness.reports.conform_console import ConsoleReport
from harness.reports.conform_json import report_dict
from harness.reports.conform_junit import junit_xml
from harness.rules import rule


def _result() -> RunResult:
    findings = [
        CHECKS["tenant-isolation"].finding(Outcome.FAILED, "read another tenant's job"),
        CHECKS["output-size"].finding(Outcome.PASSED, "sizes fit"),
        CHECKS["cancel-queued"].finding(Outcome.SKIPPED, "nothing queued"),
    ]
    return RunResult("http://127.0.0.1:1", findings, [], 12, 1.0)


def test_json_report_carries_rule_id_and_text() -> None:
    checks = {c["id"]: c for c in report_dict(_result())["checks"]}
    isolation = rule("tenant.isolation")
    assert checks["tenant-isolation"]["rule"] == isolation.id
    assert checks["tenant-isolation"]["rule_text"] == isolation.text
    assert checks["output-size"]["level"] == str(rule("output.size").level)


def test_junit_quotes_the_rule_of_each_case() -> None:
    suite = ET.fromstring(junit_xml(_result()))
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    failure = cases["tenant-isolation"].find("failure")
    assert failure is not None
    assert failure.text is not None
    assert failure.text.splitlines()[0] == str(rule("tenant.isolation"))
    skipped = cases["cancel-queued"].find("skipped")
    assert skipped is not None
    assert skipped.text == str(rule("cancel.queued"))


def test_console_names_rule_ids_and_the_text_of_broken_rules() -> None:
    out = io.StringIO()
    report = ConsoleReport(Console(file=out, width=400, color_system=None))
    report(RunFinished(_result()))
    text = out.getvalue()
    assert "tenant.isolation" in text
    assert "output.size" in text
    assert f"MUST tenant.isolation: {rule('tenant.isolation').text}" in text
    assert rule("output.size").text not in text  # only broken rules are spelled out
