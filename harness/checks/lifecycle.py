"""The life cycle: order of states, terminal stability, queue positions, /result while pending."""

from __future__ import annotations

import itertools

from harness.checks.context import CheckContext
from harness.checks.observations import JobRecord, Read
from harness.checks.registry import Verdict, check, failed, observed, passed, sample, skipped
from harness.client.vocabulary import Phase

__all__ = ["goes_back", "terminal_changes"]


def _jobs(ctx: CheckContext) -> list[JobRecord]:
    return list(ctx.obs.jobs.values())


# One job's rules, shared by the checks below and by load runs (judged job by job).
def goes_back(job: JobRecord) -> Verdict | None:
    """A failure if the job's status went back (None: it never did)."""
    # An undocumented word has no place in the order: status-words judges it, not this.
    reads = [r for r in job.all_statuses if r.ok and r.phase is not Phase.UNKNOWN]
    for before, after in itertools.pairwise(reads):
        if after.phase.rank < before.phase.rank:
            return failed(
                f"job {job.request_id} went from {before.word} back to {after.word}",
                [before.exchange, after.exchange],
            )
    return None


def terminal_changes(job: JobRecord) -> Verdict | None:
    """A failure if a read after the job's first terminal one says another word."""
    reads = [r for r in job.all_statuses if r.ok]
    first = next((i for i, r in enumerate(reads) if r.phase.terminal), None)
    if first is None:
        return None
    for later in reads[first + 1 :]:
        if later.word != reads[first].word:
            return failed(
                f"job {job.request_id} was {reads[first].word}, later {later.word}",
                [reads[first].exchange, later.exchange],
            )
    return None


@check("lifecycle-monotonic", rule="lifecycle.monotonic")
def lifecycle_monotonic(ctx: CheckContext) -> Verdict:
    jobs = [j for j in _jobs(ctx) if j.all_statuses]
    if not jobs:
        return skipped("no job was polled")
    for job in jobs:
        if verdict := goes_back(job):
            return verdict
    count = sum(len(j.all_statuses) for j in jobs)
    # the progression of the job seen in the most phases: its first read in each phase
    job = max(jobs, key=lambda j: len({r.phase for r in j.all_statuses if r.ok}))
    shown = sample((r for r in job.all_statuses if r.ok), key=lambda r: r.phase)
    return passed(f"{count} status reads of {len(jobs)} jobs never went back", shown, judged=count)


@check("terminal-stable", rule="lifecycle.terminal-stable")
def terminal_stable(ctx: CheckContext) -> Verdict:
    checked = 0
    pairs: list[tuple[Read, Read]] = []  # (first terminal read, last re-read) per job
    for job in _jobs(ctx):
        reads = [r for r in job.all_statuses if r.ok]
        first = next((i for i, r in enumerate(reads) if r.phase.terminal), None)
        if first is None:
            continue
        checked += 1
        pairs.append((reads[first], reads[-1]))
        if verdict := terminal_changes(job):
            return verdict
    if not checked:
        return skipped("no job reached a terminal state")
    # the first job's terminal read and its last re-read, then one per further terminal word
    first_pair = next((p for p in pairs if p[1] is not p[0]), pairs[0])
    others = sample(pairs, key=lambda p: p[0].word)
    shown = [*first_pair, *(p[0] for p in others if p[0].word != first_pair[0].word)]
    count = sum(len(j.all_statuses) for j in _jobs(ctx) if j.terminal)
    return passed(
        f"{checked} finished jobs re-read: terminal states stayed put", shown[:3], judged=count
    )


@check("queue-position", rule="status.queue-position")
def queue_position(ctx: CheckContext) -> Verdict:
    queued = [r for j in _jobs(ctx) for r in j.statuses if r.phase is Phase.QUEUED]
    if not queued:
        return skipped("no job was ever seen in_queue (the burst did not queue)")
    for read in queued:
        pos = read.body.get("queue_position")
        if isinstance(pos, bool) or not isinstance(pos, int) or pos < 0:
            return failed(f"in_queue with queue_position {pos!r}", [read.exchange])
    shown = sample(queued, key=lambda r: r.body.get("queue_position"))
    return passed(
        f"{len(queued)} in_queue reads carried an integer queue_position >= 0",
        shown,
        judged=len(queued),
    )


@check("queue-position-monotonic", rule="status.queue-position-monotonic")
def queue_position_monotonic(ctx: CheckContext) -> Verdict:
    """Consecutive queued reads of each job; a pair with a submit of the run between its two
    reads saw a job join behind the watched one (the situation that breaks this rule when a
    server counts positions from the wrong end)."""
    pairs, joins = 0, 0
    shown: list[Read] = []  # the first judged pair, or better the first spanning a join
    submits = [ctx.obs.order(r.exchange) for _, r in ctx.obs.submits if r.ok]
    for job in _jobs(ctx):
        reads = [r for r in job.statuses if r.phase is Phase.QUEUED]
        for before, after in itertools.pairwise(reads):
            a, b = before.body.get("queue_position"), after.body.get("queue_position")
            if not (isinstance(a, int) and isinstance(b, int)):
                continue
            pairs += 1
            lo, hi = ctx.obs.order(before.exchange), ctx.obs.order(after.exchange)
            joined = any(lo < n < hi for n in submits)
            joins += joined
            if b > a:
                during = " while a job joined behind it" if joined else ""
                return failed(
                    f"job {job.request_id}: queue_position grew {a} -> {b}{during}",
                    [before.exchange, after.exchange],
                    judged=pairs,
                )
            if not shown or (joined and joins == 1):
                shown = [before, after]
    if not pairs:
        return skipped("no job was read twice while in_queue")
    note = (
        f", {joins} of them across a job joining behind"
        if joins
        else (" (no job joined behind a watched one between two reads)")
    )
    return passed(
        f"{pairs} consecutive queued reads: queue_position never grew{note}", shown, judged=pairs
    )


@check("result-while-pending", rule="result.while-pending")
def result_while_pending(ctx: CheckContext) -> Verdict:
    reads = [r for j in _jobs(ctx) for r in j.pending_results]
    if not reads:
        return skipped("no /result was read while a job was pending")
    bad = [r for r in reads if r.http_status != 200 or r.word is None]
    if bad:
        return failed(f"/result while pending answered HTTP {bad[0].http_status}", bad)
    words = sorted({str(r.word) for r in reads})
    shown = sample(reads, key=lambda r: r.word)
    return passed(
        f"{len(reads)} /result reads while pending answered 200 ({', '.join(words)})",
        shown,
        judged=len(reads),
    )


@check("job-finishes", rule="lifecycle.job-finishes")
def job_finishes(ctx: CheckContext) -> Verdict:
    jobs = _jobs(ctx)
    if not jobs:
        return skipped("no job was created")
    lost = [j for j in jobs if j.lost]
    if lost:
        ids = ", ".join(f"{j.request_id} ({j.reads} reads)" for j in lost[:3])
        last = [j.statuses[-1].exchange for j in lost if j.statuses]
        return failed(
            f"{len(lost)} of {len(jobs)} jobs lost (still unfinished when read at or after "
            f"{ctx.obs.job_timeout:g}s): {ids}",
            last,
            judged=len(jobs),
        )
    # each job's first terminal status read: the first job's, then one per terminal word
    ends = [
        next(r for r in j.all_statuses if r.ok and r.phase.terminal) for j in jobs if j.terminal
    ]
    shown = sample(ends, key=lambda r: r.word)
    return passed(
        f"{len(jobs)} jobs finished within {ctx.obs.job_timeout:g}s", shown, judged=len(jobs)
    )


@check("failed-job-shape", rule="result.failed-job")
def failed_job_shape(ctx: CheckContext) -> Verdict:
    failed_jobs = [j for j in _jobs(ctx) if j.final_result and j.final_result.word == "failed"]
    if not failed_jobs:
        return observed("no job failed in this run (no evidence: nothing to show)")
    job = failed_jobs[0]
    assert job.final_result is not None
    error = job.final_result.body.get("error")
    return observed(
        f"{len(failed_jobs)} failed; /status said {job.last_word}, error {error!r}",
        [job.final_result.exchange],
        judged=len(failed_jobs),
    )
