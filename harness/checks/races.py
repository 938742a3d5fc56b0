"""Races: two cancels at once on the next job to start, and cancels the moment a job starts.

Whatever the timing, each answer must be one the contract allows, and the pair must agree with
what the job then does (see `outcomes`). The workload aims these tries; the checks judge them.
"""

from __future__ import annotations

from harness.checks.context import CheckContext
from harness.checks.outcomes import excuse, judge_pair, started_proof, tries, void_note
from harness.checks.registry import Verdict, check, passed, skipped

__all__: list[str] = []


def _judge(ctx: CheckContext, kind: str, none: str, what: str) -> Verdict:
    judged, voided = tries(ctx, kind)
    if not judged:
        return skipped(none + void_note(voided))
    for t, job in judged:
        verdict = judge_pair(job, t)
        if verdict is not None:
            return verdict
    t, job = judged[0]
    seen = sorted({str(r.word) for r in t.concurrent if r.word})
    why, shown = "", [r.exchange for r in t.replies]
    if t.seen_before == "in_queue" and "cancelled" not in t.outcomes():
        proof, _ = started_proof(job, t)  # judge_pair refuted a missing or queued proof
        if proof is not None:
            why, shown = f"; allowed race, {excuse(job, proof)}", [*shown, proof.exchange]
    return passed(
        f"{what}: outcomes {t.outcomes()}, reads sent with them {seen or 'none'}; job "
        f"{job.request_id} then {job.last_word}{why}{void_note(voided)}",
        shown,
        judged=len(judged),
    )


@check("cancel-race", rule="cancel.race")
def cancel_race(ctx: CheckContext) -> Verdict:
    return _judge(
        ctx,
        "race",
        "no job was seen at queue_position 0 to race two cancels on",
        "two cancels at once on the next job to start",
    )


@check("cancel-at-start", rule="cancel.at-start")
def cancel_at_start(ctx: CheckContext) -> Verdict:
    return _judge(
        ctx,
        "start",
        "no queued job was watched into in_progress (the burst did not queue, or a job went "
        "from in_queue to finished between two reads)",
        "two cancels the moment the job started",
    )
