"""A load job's reads judged by the check catalog's own rule functions, job by job.

The flow keeps every exchange of one job (the client's evidence, token redacted); at the job's
end they become the catalog's observations (`Read`, `JobRecord`, `CancelTry`) and the same
functions that judge a conformance run judge them: life cycle (`goes_back`,
`terminal_changes`) and cancel (`judge_pair`, after `void_reason`). Nothing is restated here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from harness.cases import Case
from harness.checks.lifecycle import goes_back, terminal_changes
from harness.checks.observations import CancelTry, Read, endpoint_of
from harness.checks.observations import JobRecord as Observed
from harness.checks.outcomes import after, judge_pair, void_reason
from harness.checks.registry import Verdict
from harness.evidence import Exchange

__all__ = ["CancelNote", "judge"]

_CASE = Case("load", True)  # the catalog's record wants a case; a load job's is the plain body


@dataclass
class CancelNote:
    """Where a cancel (or a 'twice' pair) fell among the job's exchanges."""

    exchanges_before: int  # the job's exchanges sent before the first cancel
    seen_before: str | None  # the status word last read before it (None: none yet)
    cancels: int = 1


@dataclass
class _Split:
    statuses: list[Read] = field(default_factory=list)
    results: list[Read] = field(default_factory=list)


def _reads(exchanges: Iterable[Exchange]) -> _Split:
    split = _Split()
    for exchange in exchanges:
        endpoint = endpoint_of(exchange)
        at = exchange.received_at or 0.0
        if endpoint == "status":
            split.statuses.append(Read.of("status", exchange, at))
        elif endpoint == "result":
            split.results.append(Read.of("result", exchange, at))
    return split


def judge(
    request_id: str,
    exchanges: list[Exchange],
    cancel: CancelNote | None,
    *,
    terminal: bool,
) -> list[str]:
    """The rule violations one job's exchanges show, as `rule-id: message` lines."""
    submit = next((e for e in exchanges if endpoint_of(e) == "submit"), None)
    if submit is None:
        return []
    split = _reads(exchanges)
    job = Observed(
        request_id,
        _CASE,
        Read.of("submit", submit, submit.received_at or 0.0),
        statuses=split.statuses,
        final_result=split.results[-1] if split.results else None,
        lost=not terminal,
    )
    found: list[tuple[str, Verdict | None]] = [
        ("lifecycle-monotonic", goes_back(job)),
        ("terminal-stable", terminal_changes(job)),
    ]
    if cancel is not None:
        found.append(("cancel", _judge_cancel(job, exchanges, cancel)))
    return [f"{rule}: {verdict.message}" for rule, verdict in found if verdict is not None]


def _judge_cancel(job: Observed, exchanges: list[Exchange], note: CancelNote) -> Verdict | None:
    before = exchanges[: note.exchanges_before]
    cancels = [e for e in exchanges[note.exchanges_before :] if endpoint_of(e) == "cancel"]
    replies = [Read.of("cancel", e, e.received_at or 0.0) for e in cancels[: note.cancels]]
    reads_before = sum(endpoint_of(e) == "status" for e in before)
    attempt = CancelTry(job.request_id, "load", note.seen_before, reads_before, replies)
    unanswered = sum(e.status_code is None for e in cancels[: note.cancels])
    if void_reason(replies, unanswered) is not None or len(replies) < note.cancels:
        return None  # no real answer: proves nothing either way
    if job.lost and not after(job, attempt):
        return None  # the run ended before any read followed the cancel
    return judge_pair(job, attempt)
