"""Load SLO verdicts as JUnit, read back by a JUnit consumer (junitparser)."""

from __future__ import annotations

import pytest
from junitparser import Failure, JUnitXml, Skipped

from harness.load.measure.slo import evaluate, parse_slo
from harness.load.run.report_model import SloVerdict
from harness.reports.load_junit import load_junit_xml, write_load_junit

from .jobsets import jobs_from_waits


def _results():
    fast = jobs_from_waits([0.2] * 100)
    few = jobs_from_waits([0.2] * 5)
    slos = [parse_slo("queue_wait.p95<1s"), parse_slo("lost==0")]
    metrics = {"queue-latency": {}, "cancel": {}}
    results = evaluate(slos, metrics, {"lost": 2}, {"queue-latency": fast, "cancel": few})
    return [SloVerdict.of(r) for r in results]


def _read(tmp_path, inconclusive="skip"):
    path = tmp_path / "load.xml"
    write_load_junit(path, _results(), inconclusive)
    return JUnitXml.fromfile(str(path))


def _outcomes(xml):
    out = {}
    for suite in xml:
        for case in suite:
            kinds = {type(r).__name__ for r in case.result}
            out[(suite.name, case.name)] = kinds.pop() if kinds else "pass"
    return out


def test_each_scenario_a_suite_each_slo_a_case(tmp_path):
    xml = _read(tmp_path)
    assert [s.name for s in xml] == ["load.queue-latency", "load.cancel", "load.run"]
    assert _outcomes(xml) == {
        ("load.queue-latency", "queue_wait.p95<1s"): "pass",
        ("load.cancel", "queue_wait.p95<1s"): "Skipped",  # 5 jobs: inconclusive
        ("load.run", "lost==0"): "Failure",
    }
    assert (xml.tests, xml.failures, xml.skipped, xml.errors) == (3, 1, 1, 0)
    cancel = next(s for s in xml if s.name == "load.cancel")
    assert (cancel.tests, cancel.failures, cancel.skipped) == (1, 0, 1)
    case = next(iter(cancel))
    assert case.classname == "load.cancel"
    skipped = case.result[0]
    assert isinstance(skipped, Skipped)
    assert "run at least 85 more jobs" in skipped.message


def test_inconclusive_counted_as_the_run_chose(tmp_path):
    failing = _read(tmp_path, "fail")
    assert _outcomes(failing)[("load.cancel", "queue_wait.p95<1s")] == "Failure"
    assert (failing.failures, failing.skipped) == (2, 0)
    failure = next(iter(next(s for s in failing if s.name == "load.cancel"))).result[0]
    assert isinstance(failure, Failure)
    assert "--inconclusive fail" in failure.message
    passing = _read(tmp_path, "pass")
    assert _outcomes(passing)[("load.cancel", "queue_wait.p95<1s")] == "pass"
    assert (passing.failures, passing.skipped) == (1, 0)


def test_a_passing_case_carries_its_evidence():
    text = load_junit_xml(_results())
    assert "pass: 100 jobs: 100 under, 0 over, 0 undecided" in text


def test_rejects_an_unknown_inconclusive_policy():
    with pytest.raises(ValueError, match="inconclusive"):
        load_junit_xml([], "maybe")


def test_no_slos_is_an_empty_but_valid_file(tmp_path):
    path = tmp_path / "empty.xml"
    write_load_junit(path, [])
    xml = JUnitXml.fromfile(str(path))
    assert (xml.tests, xml.failures) == (0, 0)
