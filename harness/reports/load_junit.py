"""SLO verdicts as JUnit XML: each scenario a suite, each SLO a test case.

JUnit knows pass, failure and skipped; an INCONCLUSIVE verdict is *skipped* by default (CI
shows it apart, neither green nor red), or a failure / a pass when the run chose
`--inconclusive fail|pass`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from harness.load.measure.slo import SloResult
from harness.load.measure.verdicts import Verdict

__all__ = ["INCONCLUSIVE_AS", "load_junit_xml", "write_load_junit"]

INCONCLUSIVE_AS = ("skip", "fail", "pass")


def _suite_name(scope: str) -> str:
    return "load.run" if scope == "all" else f"load.{scope}"


def _case(suite: ET.Element, result: SloResult, inconclusive: str) -> str:
    """Add the SLO's test case; return how it counted: pass, failure or skipped."""
    case = ET.SubElement(suite, "testcase", classname=suite.get("name", ""), name=result.slo.text,
                         time="0")  # fmt: skip
    text = result.explain()
    verdict = result.verdict
    if verdict is Verdict.INCONCLUSIVE and inconclusive != "skip":
        verdict = Verdict.FAIL if inconclusive == "fail" else Verdict.PASS
        text = f"inconclusive, counted as {verdict.value} (--inconclusive {inconclusive}): {text}"
    if verdict is Verdict.FAIL:
        node = ET.SubElement(case, "failure", message=f"{result.verdict.value}: {text}")
        node.text = text
        return "failure"
    if verdict is Verdict.INCONCLUSIVE:
        ET.SubElement(case, "skipped", message=f"inconclusive: {text}")
        return "skipped"
    ET.SubElement(case, "system-out").text = f"{result.verdict.value}: {text}"
    return "pass"


def load_junit_xml(results: Sequence[SloResult], inconclusive: str = "skip") -> str:
    if inconclusive not in INCONCLUSIVE_AS:
        raise ValueError(f"inconclusive must be one of {INCONCLUSIVE_AS}, not {inconclusive!r}")
    root = ET.Element("testsuites", name="chronoedit-load")
    scopes = list(dict.fromkeys(r.scope for r in results))
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for scope in scopes:
        suite = ET.SubElement(root, "testsuite", name=_suite_name(scope))
        counted = [_case(suite, r, inconclusive) for r in results if r.scope == scope]
        counts = {"tests": len(counted), "failures": counted.count("failure"),
                  "skipped": counted.count("skipped")}  # fmt: skip
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def write_load_junit(path: Path, results: Sequence[SloResult], inconclusive: str = "skip") -> None:
    path.write_text(load_junit_xml(results, inconclusive) + "\n", encoding="utf-8")
