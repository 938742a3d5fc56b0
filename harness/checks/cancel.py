"""Cancel: queued jobs cancel for good; running and finished ones answer not_cancellable."""

from __future__ import annotations

from harness.checks.context import CheckContext
from harness.checks.observations import CancelTry, JobRecord, Read
from harness.checks.registry import Verdict, check, failed, observed, passed, skipped
from harness.client.vocabulary import Phase

__all__: list[str] = []


def _tries(ctx: CheckContext, kind: str) -> list[tuple[CancelTry, JobRecord]]:
    jobs = ctx.obs.jobs
    return [(t, jobs[t.request_id]) for t in ctx.obs.cancels if t.kind == kind]


def _after(job: JobRecord, t: CancelTry) -> list[Read]:
    """Status reads sent after the cancel was answered (by order: clocks may stand still)."""
    return [r for r in job.all_statuses[t.reads_before :] if r.ok]


def _ends_cancelled(job: JobRecord, t: CancelTry) -> Verdict | None:
    """None when every read after the cancel says cancelled and the job never ran or completed."""
    later = _after(job, t)
    for read in later:
        if read.phase is not Phase.CANCELLED:
            return failed(
                f"job {job.request_id}: cancel said cancelled, later /status {read.word}",
                [*[r.exchange for r in t.replies], read.exchange],
            )
    result = job.final_result
    if result is not None and result.word != "cancelled":
        return failed(
            f"job {job.request_id}: cancel said cancelled, /result says {result.word}",
            [*[r.exchange for r in t.replies], result.exchange],
        )
    if not later:
        return failed(f"job {job.request_id}: no status read after the cancel")
    return None


def _ends_normally(job: JobRecord, t: CancelTry) -> Verdict | None:
    if job.lost:
        return None  # judged by job-finishes
    for read in _after(job, t):
        if read.phase is Phase.CANCELLED:
            return failed(
                f"job {job.request_id}: cancel said not_cancellable, then /status cancelled",
                [*[r.exchange for r in t.replies], read.exchange],
            )
    return None


@check(
    "cancel-queued",
    rule="cancel while queued: 202, outcome cancelled, then cancelled forever, never run or "
    "completed",
    level="MUST",
    catches=("lose_cancel",),
)
def cancel_queued(ctx: CheckContext) -> Verdict:
    tries = _tries(ctx, "queued")
    if not tries:
        return skipped("no job was seen in_queue to cancel")
    for t, job in tries:
        reply = t.replies[0]
        if reply.http_status != 202:
            return failed(
                f"cancel of a queued job answered HTTP {reply.http_status}", [reply.exchange]
            )
        outcome = t.outcomes()[0]
        if outcome == "cancelled":
            return _ends_cancelled(job, t) or passed(
                f"job {job.request_id} cancelled while queued and stayed cancelled",
                [reply.exchange],
            )
        if outcome != "not_cancellable":
            return failed(f"cancel outcome {outcome!r}", [reply.exchange])
        verdict = _ends_normally(job, t)
        if verdict:
            return verdict
    return skipped("each queued job had started by the time its cancel arrived (allowed race)")


@check(
    "cancel-in-progress",
    rule="cancel while in progress: 202, outcome not_cancellable, and the job ends normally",
    level="MUST",
    catches=("cancel_in_progress", "cancel_409"),
)
def cancel_in_progress(ctx: CheckContext) -> Verdict:
    tries = _tries(ctx, "running")
    if not tries:
        return skipped("no job was seen in_progress to cancel")
    t, job = tries[0]
    reply = t.replies[0]
    if reply.http_status != 202:
        return failed(
            f"cancel of a running job answered HTTP {reply.http_status}", [reply.exchange]
        )
    if t.outcomes()[0] != "not_cancellable":
        return failed(
            f"cancel of job {job.request_id}, seen in_progress, said {t.outcomes()[0]!r}",
            [reply.exchange],
        )
    return _ends_normally(job, t) or passed(
        f"job {job.request_id}: not_cancellable while in progress, then {job.last_word}",
        [reply.exchange],
    )


@check(
    "cancel-finished",
    rule="cancel of a finished job: 202, outcome not_cancellable, a no-op",
    level="MUST",
    catches=("cancel_409",),
)
def cancel_finished(ctx: CheckContext) -> Verdict:
    tries = _tries(ctx, "finished")
    if not tries:
        return skipped("no job finished to cancel")
    t, job = tries[0]
    reply = t.replies[0]
    if reply.http_status != 202 or t.outcomes()[0] != "not_cancellable":
        return failed(
            f"cancel of finished job answered HTTP {reply.http_status}, outcome "
            f"{t.outcomes()[0]!r}",
            [reply.exchange],
        )
    later = _after(job, t)
    changed = [r for r in later if r.word != t.seen_before]
    if changed:
        return failed(
            f"job {job.request_id} was {t.seen_before}, after cancel {changed[0].word}",
            [reply.exchange, changed[0].exchange],
        )
    return passed(
        f"cancel of a {t.seen_before} job: 202 not_cancellable, no change", [reply.exchange]
    )


@check(
    "cancel-race",
    rule="two cancels at once on a queued job: each answer one the contract allows; a cancel "
    "answered cancelled means the job never completes",
    level="MUST",
    catches=("lose_cancel",),
)
def cancel_race(ctx: CheckContext) -> Verdict:
    tries = _tries(ctx, "race")
    if not tries:
        return skipped("no second queued job to race two cancels on")
    t, job = tries[0]
    evidence = [r.exchange for r in t.replies]
    for reply, outcome in zip(t.replies, t.outcomes(), strict=True):
        if reply.http_status != 202 or outcome not in ("cancelled", "not_cancellable"):
            return failed(f"racing cancel answered HTTP {reply.http_status}, {outcome!r}", evidence)
    if "cancelled" in t.outcomes():
        return _ends_cancelled(job, t) or passed(
            f"two cancels at once: {t.outcomes()}; job stayed cancelled", evidence
        )
    return _ends_normally(job, t) or passed(
        f"two cancels at once: {t.outcomes()}; job went on to {job.last_word}", evidence
    )


@check(
    "cancel-status-field",
    rule="the status field of the cancel response",
    level="OBSERVE",
)
def cancel_status_field(ctx: CheckContext) -> Verdict:
    seen = [(t.kind, r) for t in ctx.obs.cancels for r in t.replies if isinstance(r.body, dict)]
    if not seen:
        return skipped("no cancel was answered")
    pairs = sorted(
        {f"{kind}: {r.body.get('status')!r}/{r.body.get('outcome')!r}" for kind, r in seen}
    )
    return observed(
        "cancel answers (kind: status/outcome): " + "; ".join(pairs), [seen[0][1].exchange]
    )
