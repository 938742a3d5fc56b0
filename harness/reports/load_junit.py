"""SLO verdicts as JUnit XML: each scenario a suite, each SLO a test case.

JUnit knows pass, failure and skipped; an INCONCLUSIVE verdict is *skipped* by default (CI
shows it apart, neither green nor red), or a failure / a pass when the run chose
`--inconclusive fail|pass`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from harness.load.run.report_model import SloVerdict

__all__ = ["INCONCLUSIVE_AS", "load_junit_xml", "write_load_junit"]

INCONCLUSIVE_AS = ("skip", "fail", "pass")


def _suite_name(scope: str) -> str:
    return "load.run" if scope == "all" else f"load.{scope}"


def _case(suite: ET.Element, name: str, verdict: SloVerdict, inconclusive: str) -> str:
    """Add the SLO's test case; return how it counted: failure, skipped or system-out (pass)."""
    case = ET.SubElement(suite, "testcase", classname=name, name=verdict.slo, time="0")
    text, counted = verdict.explanation, verdict.verdict
    if counted == "inconclusive" and inconclusive != "skip":
        counted = inconclusive
        text = f"inconclusive, counted as {counted} (--inconclusive {counted}): {text}"
    if counted == "fail":
        node = ET.SubElement(case, "failure", message=f"{verdict.verdict}: {text}")
        node.text = text
    elif counted == "inconclusive":
        node = ET.SubElement(case, "skipped", message=f"inconclusive: {text}")
    else:
        node = ET.SubElement(case, "system-out")
        node.text = f"{verdict.verdict}: {text}"
    return node.tag


def load_junit_xml(verdicts: Sequence[SloVerdict], inconclusive: str = "skip") -> str:
    if inconclusive not in INCONCLUSIVE_AS:
        raise ValueError(f"inconclusive must be one of {INCONCLUSIVE_AS}, not {inconclusive!r}")
    root = ET.Element("testsuites", name="chronoedit-load")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for scope in dict.fromkeys(v.scope for v in verdicts):
        name = _suite_name(scope)
        suite = ET.SubElement(root, "testsuite", name=name)
        counted = [_case(suite, name, v, inconclusive) for v in verdicts if v.scope == scope]
        counts = {"tests": len(counted), "failures": counted.count("failure"),
                  "skipped": counted.count("skipped")}  # fmt: skip
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("errors", "0")
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("errors", "0")
    # utf-8 spelled out: with "unicode" the declaration would name the machine's locale
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data.decode()


def write_load_junit(
    path: Path, verdicts: Sequence[SloVerdict], inconclusive: str = "skip"
) -> None:
    path.write_bytes(load_junit_xml(verdicts, inconclusive).encode() + b"\n")
