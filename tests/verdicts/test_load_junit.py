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


def _verdict(verdict: str, scope: str = "s", explanation: str = "why") -> SloVerdict:
    return SloVerdict(f"gate-{verdict}", scope, None, "s", verdict, verdict == "pass", explanation)


def test_the_xml_in_full():
    verdicts = [_verdict("pass"), _verdict("fail"), _verdict("inconclusive"),
                _verdict("pass", scope="all")]  # fmt: skip
    assert load_junit_xml(verdicts) == (
        "<?xml version='1.0' encoding='utf-8'?>\n"
        '<testsuites name="chronoedit-load" tests="4" failures="1" skipped="1" errors="0">'
        '<testsuite name="load.s" tests="3" failures="1" skipped="1" errors="0">'
        '<testcase classname="load.s" name="gate-pass" time="0"><system-out>pass: why'
        "</system-out></testcase>"
        '<testcase classname="load.s" name="gate-fail" time="0">'
        '<failure message="fail: why">why</failure></testcase>'
        '<testcase classname="load.s" name="gate-inconclusive" time="0">'
        '<skipped message="inconclusive: why" /></testcase></testsuite>'
        '<testsuite name="load.run" tests="1" failures="0" skipped="0" errors="0">'
        '<testcase classname="load.run" name="gate-pass" time="0"><system-out>pass: why'
        "</system-out></testcase></testsuite></testsuites>"
    )


def test_inconclusive_counted_as_fail_or_pass_says_so():
    as_fail = load_junit_xml([_verdict("inconclusive")], "fail")
    assert (
        '<failure message="inconclusive: inconclusive, counted as fail (--inconclusive fail): '
        'why">inconclusive, counted as fail (--inconclusive fail): why</failure>'
    ) in as_fail
    assert 'tests="1" failures="1" skipped="0"' in as_fail
    as_pass = load_junit_xml([_verdict("inconclusive")], "pass")
    assert (
        "<system-out>inconclusive: inconclusive, counted as pass (--inconclusive pass): why"
        "</system-out>"
    ) in as_pass
    assert 'tests="1" failures="0" skipped="0"' in as_pass


def test_written_file_ends_with_a_newline(tmp_path):
    path = tmp_path / "j.xml"
    write_load_junit(path, [_verdict("fail")], "skip")
    assert path.read_bytes() == load_junit_xml([_verdict("fail")]).encode() + b"\n"
    write_load_junit(path, [_verdict("inconclusive")], "fail")
    assert 'failures="1"' in path.read_text()
