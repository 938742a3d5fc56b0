"""Judging a cancel by what followed it: the outcome pairs the contract allows.

A cancel answered `cancelled` means the job never runs or completes: every later read says
cancelled. `not_cancellable` means the job goes on to its normal end. When two cancels race, or
a status read is sent at the same moment, any answer is fine as long as the pair is one of these.
A cancel that got no answer, or a transient one (429/502/503/504), proves nothing: the try is
void, noted, and not judged.
"""

from __future__ import annotations

from harness.checks.context import TRANSIENT_STATUSES, CheckContext
from harness.checks.observations import CancelTry, JobRecord, Read
from harness.checks.registry import Verdict, failed
from harness.client.vocabulary import Phase
from harness.evidence import Exchange

__all__ = [
    "OUTCOMES",
    "after",
    "ends_cancelled",
    "ends_normally",
    "excuse",
    "judge_pair",
    "started_proof",
    "tries",
    "void_note",
    "void_reason",
]

OUTCOMES = ("cancelled", "not_cancellable")
_RAN = (Phase.RUNNING, Phase.DONE, Phase.SUCCEEDED, Phase.FAILED)


def tries(ctx: CheckContext, kind: str) -> tuple[list[tuple[CancelTry, JobRecord]], list[str]]:
    """The judged tries of `kind` with their jobs, and why the void ones were not judged."""
    jobs = ctx.obs.jobs
    mine = [t for t in ctx.obs.cancels if t.kind == kind]
    return [(t, jobs[t.request_id]) for t in mine if t.void is None], [
        t.void for t in mine if t.void is not None
    ]


def void_note(voided: list[str]) -> str:
    return f" ({len(voided)} void: {voided[0]})" if voided else ""


def void_reason(replies: list[Read], unanswered: int) -> str | None:
    """Why a cancel try cannot be judged, or None when every cancel got a real answer."""
    if unanswered:
        return f"{unanswered} cancel(s) got no answer"
    transient = sorted({r.http_status for r in replies if r.http_status in TRANSIENT_STATUSES})
    return f"cancel answered HTTP {transient} (transient)" if transient else None


def after(job: JobRecord, t: CancelTry) -> list[Read]:
    """Status reads sent after the cancel was answered (by order: clocks may stand still)."""
    return [r for r in job.all_statuses[t.reads_before :] if r.ok]


def _evidence(t: CancelTry, *more: Read) -> list[Exchange]:
    return [*[r.exchange for r in t.replies], *[r.exchange for r in more]]


def ends_cancelled(job: JobRecord, t: CancelTry) -> Verdict | None:
    """None when every read after the cancel says cancelled and the job never ran or completed."""
    later = after(job, t)
    for read in later:
        if read.phase is not Phase.CANCELLED:
            return failed(
                f"job {job.request_id}: cancel said cancelled, later /status {read.word}",
                _evidence(t, read),
            )
    result = job.final_result
    if result is not None and result.ok and result.word != "cancelled":
        return failed(
            f"job {job.request_id}: cancel said cancelled, /result says {result.word}",
            _evidence(t, result),
        )
    if not later:
        return failed(f"job {job.request_id}: no status read after the cancel", _evidence(t))
    return None


def ends_normally(job: JobRecord, t: CancelTry) -> Verdict | None:
    """None unless a job whose cancel said not_cancellable reads cancelled afterwards."""
    if job.lost:
        return None  # judged by job-finishes
    for read in after(job, t):
        if read.phase is Phase.CANCELLED:
            return failed(
                f"job {job.request_id}: cancel said not_cancellable, then /status cancelled",
                _evidence(t, read),
            )
    result = job.final_result
    if result is not None and result.ok and result.word == "cancelled":
        return failed(
            f"job {job.request_id}: cancel said not_cancellable, /result says cancelled",
            _evidence(t, result),
        )
    return None


def _when(read: Read) -> str:
    at = read.exchange.sent_at if read.exchange.sent_at is not None else read.at
    return f"{read.endpoint} read sent at {at:.3f}"


def started_proof(job: JobRecord, t: CancelTry) -> tuple[Read | None, Verdict | None]:
    """A cancel aimed at a queued job answered not_cancellable: allowed only if the job had
    started by then. (the read that proves it, None) or (None, the failure). The proof is the
    first status read sent with or after the cancels: it must show the job running or
    finished. A read there that still says in_queue refutes the excuse; no read at all leaves
    it unproven, which is a failure too."""
    reads = [r for r in [*t.concurrent, *after(job, t)] if r.ok and r.phase is not Phase.UNKNOWN]
    if not reads:
        return None, failed(
            f"job {job.request_id}, seen {t.seen_before}, refused a cancel (not_cancellable) "
            "and no later read shows it had started",
            _evidence(t),
        )
    first = reads[0]
    if first.phase is Phase.QUEUED:
        return None, failed(
            f"job {job.request_id}: a cancel answered not_cancellable, yet the {_when(first)} "
            "after it still says in_queue (a queued job must be cancellable)",
            _evidence(t, first),
        )
    if first.phase in _RAN:
        return first, None
    return None, None  # cancelled: `ends_normally` judges that contradiction


def excuse(job: JobRecord, proof: Read) -> str:
    """How a report names the exchange that proves a race."""
    return f"job {job.request_id} had started: the {_when(proof)} says {proof.word}"


def judge_pair(job: JobRecord, t: CancelTry) -> Verdict | None:
    """Cancels sent at once, with status reads alongside: None when the outcomes are allowed."""
    outcomes = t.outcomes()
    for reply, outcome in zip(t.replies, outcomes, strict=True):
        if reply.http_status != 202 or outcome not in OUTCOMES:
            return failed(
                f"job {job.request_id}: a cancel answered HTTP {reply.http_status}, {outcome!r}",
                _evidence(t),
            )
    if "cancelled" in outcomes:
        if t.seen_before == "in_progress":
            return failed(
                f"job {job.request_id} was read in_progress before the cancels were sent, yet a "
                f"cancel answered cancelled ({outcomes})",
                _evidence(t),
            )
        ran = [r for r in t.concurrent if r.ok and r.phase in _RAN]
        if ran:
            return failed(
                f"job {job.request_id}: a cancel answered cancelled, yet a read sent with it "
                f"said {ran[0].word}",
                _evidence(t, ran[0]),
            )
        return ends_cancelled(job, t)
    gone = [r for r in t.concurrent if r.ok and r.phase is Phase.CANCELLED]
    if gone:
        return failed(
            f"job {job.request_id}: every cancel answered not_cancellable, yet a read sent with "
            "them said cancelled",
            _evidence(t, gone[0]),
        )
    if t.seen_before == "in_queue":
        _, refuted = started_proof(job, t)
        if refuted is not None:
            return refuted
    return ends_normally(job, t)
