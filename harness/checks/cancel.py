"""Cancel: queued jobs cancel for good; running and finished ones answer not_cancellable."""

from __future__ import annotations

from harness.checks.context import CheckContext
from harness.checks.outcomes import (
    after,
    ends_cancelled,
    ends_normally,
    excuse,
    started_proof,
    tries,
    void_note,
)
from harness.checks.registry import Verdict, check, failed, observed, passed, skipped

__all__: list[str] = []


@check("cancel-queued", rule="cancel.queued")
def cancel_queued(ctx: CheckContext) -> Verdict:
    judged, voided = tries(ctx, "queued")
    if not judged:
        return skipped("no job was seen in_queue to cancel" + void_note(voided))
    excuses = []
    for t, job in judged:
        reply = t.replies[0]
        if reply.http_status != 202:
            return failed(
                f"cancel of a queued job answered HTTP {reply.http_status}",
                [reply.exchange],
                judged=len(judged),
            )
        outcome = t.outcomes()[0]
        if outcome == "cancelled":
            verdict = ends_cancelled(job, t)
            if verdict:
                return verdict
            continue
        if outcome != "not_cancellable":
            return failed(f"cancel outcome {outcome!r}", [reply.exchange], judged=len(judged))
        proof, refuted = started_proof(job, t)
        verdict = refuted or ends_normally(job, t)
        if verdict:
            return verdict
        if proof is not None:
            excuses.append((t, job, proof))
    done = [(t, job) for t, job in judged if t.outcomes()[0] == "cancelled"]
    if done:
        t, job = done[0]
        raced = f"; {len(excuses)} found their job started (proved by a read)" if excuses else ""
        return passed(
            f"{len(done)} queued jobs cancelled and stayed cancelled (first: {job.request_id})"
            + raced,
            [t.replies[0].exchange, *[p.exchange for _, _, p in excuses[:2]]],
            judged=len(judged),
        )
    t, job, proof = excuses[0]
    return skipped(
        "each queued job had started by the time its cancel arrived (allowed race): "
        + excuse(job, proof)
    )


@check("cancel-in-progress", rule="cancel.in-progress")
def cancel_in_progress(ctx: CheckContext) -> Verdict:
    judged, voided = tries(ctx, "running")
    if not judged:
        return skipped("no job was seen in_progress to cancel" + void_note(voided))
    t, job = judged[0]
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
    return ends_normally(job, t) or passed(
        f"job {job.request_id}: not_cancellable while in progress, then {job.last_word}",
        [reply.exchange],
        judged=1 + len(after(job, t)),
    )


@check("cancel-finished", rule="cancel.finished")
def cancel_finished(ctx: CheckContext) -> Verdict:
    judged, voided = tries(ctx, "finished")
    if not judged:
        return skipped("no job finished to cancel" + void_note(voided))
    t, job = judged[0]
    reply = t.replies[0]
    if reply.http_status != 202 or t.outcomes()[0] != "not_cancellable":
        return failed(
            f"cancel of finished job answered HTTP {reply.http_status}, outcome "
            f"{t.outcomes()[0]!r}",
            [reply.exchange],
        )
    later = after(job, t)
    changed = [r for r in later if r.word != t.seen_before]
    if changed:
        return failed(
            f"job {job.request_id} was {t.seen_before}, after cancel {changed[0].word}",
            [reply.exchange, changed[0].exchange],
        )
    return passed(
        f"cancel of a {t.seen_before} job: 202 not_cancellable, no change",
        [reply.exchange],
        judged=1 + len(later),
    )


@check("cancel-status-field", rule="cancel.status-field")
def cancel_status_field(ctx: CheckContext) -> Verdict:
    seen = [
        (t.kind, r)
        for t in ctx.obs.cancels
        if t.void is None
        for r in t.replies
        if isinstance(r.body, dict)
    ]
    if not seen:
        return skipped("no cancel was answered")
    pairs = sorted(
        {f"{kind}: {r.body.get('status')!r}/{r.body.get('outcome')!r}" for kind, r in seen}
    )
    return observed(
        "cancel answers (kind: status/outcome): " + "; ".join(pairs),
        [seen[0][1].exchange],
        judged=len(seen),
    )
