"""The check registry: plain functions, each with an id and the id of the rule it judges.

A check's level and rule text come from the rules table (`harness.rules`), never restated here.
A check returns a `Verdict`; the registry turns it into a `Finding` (data, never an exception).
Which emulator faults a check is proven to catch follows from the rule ids each fault names
(`harness.model.faults`): a fault's `breaks` rules must fail, its `also` rules may.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from harness.evidence import Exchange
from harness.rules import Level, Rule
from harness.rules import rule as rule_by_id

if TYPE_CHECKING:
    from harness.checks.context import CheckContext

__all__ = [
    "CHECKS",
    "MAX_EVIDENCE",
    "SAMPLE",
    "Check",
    "Evidence",
    "Finding",
    "Level",
    "Outcome",
    "Rule",
    "Verdict",
    "check",
    "failed",
    "observed",
    "passed",
    "sample",
    "skipped",
]

MAX_EVIDENCE = 6  # exchanges kept on any verdict (a failure's offending exchanges first)
SAMPLE = 3  # exchanges a passed or observed verdict shows by default (see `sample`)

T = TypeVar("T")


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    OBSERVED = "observed"


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    message: str
    evidence: tuple[Exchange, ...] = ()
    judged: int | None = None  # answers this verdict judged (None: not counted)


class HasExchange(Protocol):
    """Anything that carries the exchange it was read from (a `Read`, an `Image`)."""

    @property
    def exchange(self) -> Exchange: ...


Evidence = Iterable[Exchange | HasExchange]


def _ev(evidence: Evidence) -> tuple[Exchange, ...]:
    """The exchanges of `evidence` in order, each once, at most MAX_EVIDENCE. Anything else is
    a bug in the check (it used to be dropped silently, leaving a verdict without evidence)."""
    found: list[Exchange] = []
    for item in evidence:
        exchange = item if isinstance(item, Exchange) else getattr(item, "exchange", None)
        if not isinstance(exchange, Exchange):
            raise TypeError(f"evidence must be an Exchange or carry one, not {type(item)!r}")
        if not any(exchange is seen for seen in found):
            found.append(exchange)
    return tuple(found[:MAX_EVIDENCE])


def sample(
    items: Iterable[T], key: Callable[[T], Hashable] | None = None, limit: int = SAMPLE
) -> list[T]:
    """Representative evidence of a rule judged over many answers: the first item judged, then
    the first of each further distinct `key` (one per endpoint, per input rule, ...), in order,
    at most `limit`. Without `key`, just the first item."""
    chosen: list[T] = []
    keys: set[Hashable] = set()
    for item in items:
        if len(chosen) >= limit:
            break
        k = key(item) if key is not None else None
        if chosen and k in keys:
            continue
        keys.add(k)
        chosen.append(item)
    return chosen


def passed(message: str, evidence: Evidence = (), *, judged: int | None = None) -> Verdict:
    return Verdict(Outcome.PASSED, message, _ev(evidence), judged)


def failed(message: str, evidence: Evidence = (), *, judged: int | None = None) -> Verdict:
    return Verdict(Outcome.FAILED, message, _ev(evidence), judged)


def skipped(reason: str) -> Verdict:
    return Verdict(Outcome.SKIPPED, reason)


def observed(message: str, evidence: Evidence = (), *, judged: int | None = None) -> Verdict:
    return Verdict(Outcome.OBSERVED, message, _ev(evidence), judged)


@dataclass(frozen=True)
class Finding:
    """One check's outcome in a run, with its evidence (tokens redacted)."""

    check_id: str
    rule: Rule
    outcome: Outcome
    message: str
    evidence: tuple[Exchange, ...] = ()
    duration: float = 0.0
    judged: int | None = None  # answers judged under this rule (None: not counted)

    @property
    def level(self) -> Level:
        return self.rule.level

    @property
    def severity(self) -> Level | None:
        """The level a failure carries; None when nothing failed."""
        return self.level if self.outcome is Outcome.FAILED else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.check_id,
            "level": str(self.level),
            "outcome": str(self.outcome),
            "rule": self.rule.id,
            "rule_text": self.rule.text,
            "message": self.message,
            "duration": round(self.duration, 4),
            "judged": self.judged,
            "evidence": [e.to_dict() for e in self.evidence],
        }


CheckFn = Callable[["CheckContext"], Verdict]


@dataclass(frozen=True)
class Check:
    id: str
    rule: Rule
    fn: CheckFn = field(repr=False)

    @property
    def level(self) -> Level:
        return self.rule.level

    def run(self, ctx: CheckContext) -> Finding:
        start = time.monotonic()
        verdict = self.fn(ctx)
        outcome = verdict.outcome
        if self.level is Level.OBSERVE and outcome is Outcome.PASSED:
            outcome = Outcome.OBSERVED  # an OBSERVE rule records; it never passes or fails
        elapsed = time.monotonic() - start
        return self.finding(outcome, verdict.message, verdict.evidence, elapsed, verdict.judged)

    def finding(
        self,
        outcome: Outcome,
        message: str,
        evidence: tuple[Exchange, ...] = (),
        duration: float = 0.0,
        judged: int | None = None,
    ) -> Finding:
        """This check's finding with `outcome` (e.g. skipped when the run could not run it)."""
        return Finding(self.id, self.rule, outcome, message, evidence, duration, judged)


CHECKS: dict[str, Check] = {}


def check(id: str, *, rule: str) -> Callable[[CheckFn], CheckFn]:
    """Register `fn` as check `id` judging the rule with id `rule` (ids are unique;
    registration order is run order). An unknown rule id fails at import."""
    judged = rule_by_id(rule)

    def register(fn: CheckFn) -> CheckFn:
        if id in CHECKS:
            raise ValueError(f"duplicate check id {id!r}")
        CHECKS[id] = Check(id, judged, fn)
        return fn

    return register
