"""Conformance baselines: accept known findings, fail on new ones, note the fixed ones.

A finding is known by its check id, its rule and a *signature*: its message with everything
that changes from run to run (request ids, numbers, times, hosts and ports) replaced by
placeholders. So a server that fails the same way tonight matches last night's entry, and a
check that starts failing differently is new.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.checks import Finding, Outcome
from harness.conform.events import RunResult
from harness.errors import UsageError

__all__ = [
    "BASELINE_VERSION",
    "Baseline",
    "BaselineEntry",
    "Judged",
    "judge",
    "load_baseline",
    "signature",
    "write_baseline",
]

BASELINE_VERSION = 1

# Most specific first: a UUID's digits must not become <n> before the UUID is recognised.
_VOLATILE = (
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<id>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?", re.I), "<time>"),
    (re.compile(r"https?://[^\s/'\"]+"), "<host>"),
    (re.compile(r"\b(?:localhost|\d{1,3}(?:\.\d{1,3}){3}):\d+\b"), "<host>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{12,}\b", re.I), "<id>"),
    (re.compile(r"\b(?:req|job|request)[-_][A-Za-z0-9]+\b"), "<id>"),
    (re.compile(r"(?<!HTTP )\b\d+(?:\.\d+)?"), "<n>"),  # HTTP statuses stay: they tell faults apart
)


def signature(message: str) -> str:
    """The message without what changes between runs of the same failure."""
    for pattern, placeholder in _VOLATILE:
        message = pattern.sub(placeholder, message)
    return " ".join(message.split())


@dataclass(frozen=True, order=True)
class BaselineEntry:
    check: str
    rule: str
    signature: str

    @classmethod
    def of(cls, finding: Finding) -> BaselineEntry:
        return cls(finding.check_id, finding.rule.id, signature(finding.message))

    def to_dict(self) -> dict[str, str]:
        return {"check": self.check, "rule": self.rule, "signature": self.signature}


@dataclass(frozen=True)
class Baseline:
    entries: frozenset[BaselineEntry]

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Baseline:
        return cls(frozenset(BaselineEntry.of(f) for f in findings if f.outcome is Outcome.FAILED))

    def to_dict(self) -> dict[str, Any]:
        return {"version": BASELINE_VERSION,
                "findings": [e.to_dict() for e in sorted(self.entries)]}  # fmt: skip


def load_baseline(path: Path) -> Baseline:
    """Read a baseline file; a missing or malformed one is a usage error (exit 2)."""
    try:
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise UsageError(f"--baseline: cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"--baseline: {path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise UsageError(f"--baseline: {path} is not a version {BASELINE_VERSION} baseline")
    try:
        entries = [BaselineEntry(str(e["check"]), str(e["rule"]), str(e["signature"]))
                   for e in data["findings"]]  # fmt: skip
    except (KeyError, TypeError):
        raise UsageError(f"--baseline: {path} has a malformed finding entry") from None
    return Baseline(frozenset(entries))


def write_baseline(path: Path, findings: Iterable[Finding]) -> Baseline:
    baseline = Baseline.of(findings)
    path.write_bytes(json.dumps(baseline.to_dict(), indent=1).encode() + b"\n")  # ASCII JSON
    return baseline


@dataclass(frozen=True)
class Judged:
    """A run seen through a baseline: its failures split into known and new, and what got fixed."""

    known: list[Finding]
    new: list[Finding]
    fixed: list[BaselineEntry]
    exit_code: int  # the run's own rule, over its new failures only

    def lines(self) -> list[str]:
        out = [f"baseline: known {f.check_id}: {f.message}" for f in self.known]
        out += [f"baseline: NEW {f.check_id}: {f.message}" for f in self.new]
        out += [f"baseline: fixed {e.check} ({e.signature})" for e in self.fixed]
        out.append(f"baseline: {len(self.known)} known, {len(self.new)} new, "
                   f"{len(self.fixed)} fixed")  # fmt: skip
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"known": [BaselineEntry.of(f).to_dict() for f in self.known],
                "new": [BaselineEntry.of(f).to_dict() for f in self.new],
                "fixed": [e.to_dict() for e in self.fixed]}  # fmt: skip


def judge(result: RunResult, baseline: Baseline) -> Judged:
    failures: Sequence[Finding] = [f for f in result.findings if f.outcome is Outcome.FAILED]
    known = [f for f in failures if BaselineEntry.of(f) in baseline.entries]
    new = [f for f in failures if BaselineEntry.of(f) not in baseline.entries]
    seen = {BaselineEntry.of(f) for f in failures}
    # Fixed means the check ran and no longer fails that way; a check not run fixed nothing.
    ran = {f.check_id for f in result.findings if f.outcome is not Outcome.SKIPPED}
    fixed = sorted(e for e in baseline.entries if e not in seen and e.check in ran)
    # The exit code stays the run's own rule (levels, --strict, --fail-on-skip, Ctrl-C),
    # applied to the run with its known failures taken out.
    unknown_only = dataclasses.replace(
        result, findings=[f for f in result.findings if not any(f is k for k in known)]
    )
    return Judged(known, new, fixed, unknown_only.exit_code)
