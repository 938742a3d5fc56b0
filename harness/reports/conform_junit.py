"""The conformance report as JUnit XML: one testcase per check, for CI dashboards."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.checks import Level, Outcome
from harness.conform.events import Event, RunFinished, RunResult

__all__ = ["JunitReport", "junit_xml"]


def junit_xml(result: RunResult) -> str:
    findings = result.findings
    failures = [
        f
        for f in findings
        if f.outcome is Outcome.FAILED and (f.level is Level.MUST or result.strict)
    ]
    suite = ET.Element(
        "testsuite",
        name="chronoedit-conformance",
        tests=str(len(findings)),
        failures=str(len(failures)),
        skipped=str(sum(f.outcome is Outcome.SKIPPED for f in findings)),
        time=f"{result.duration:.3f}",
    )
    for f in findings:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"conformance.{f.level}",
            name=f.check_id,
            time=f"{f.duration:.4f}",
        )
        if f.outcome is Outcome.SKIPPED:
            ET.SubElement(case, "skipped", message=f.message).text = str(f.rule)
        elif f.outcome is Outcome.FAILED:
            tag = "failure" if f in failures else "system-out"
            node = ET.SubElement(case, tag, message=f"[{f.level}] {f.message}")
            node.text = "\n".join([str(f.rule), *(e.curl() for e in f.evidence)])
        else:
            ET.SubElement(case, "system-out").text = f"[{f.outcome}] {f.message}\n{f.rule}"
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


class JunitReport:
    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, event: Event) -> None:
        if isinstance(event, RunFinished):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(junit_xml(event.result) + "\n", encoding="utf-8")
