"""Aimed races: several calls on one job at the same moment, and watching a job start.

`cancel_at_once` fires cancels and status reads together from a small thread pool (the client's
httpx pool is shared and thread-safe); `watch_start` polls one queued job on a short interval
until it is read in_progress, so the cancels that follow land at the start of its run.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from harness.checks import CancelTry, CheckContext, JobRecord, Read
from harness.checks.outcomes import void_reason
from harness.client import Call, Phase
from harness.clock import Clock
from harness.errors import TransportError

__all__ = ["cancel_at_once", "watch_start"]


def cancel_at_once(ctx: CheckContext, attempt: CancelTry, copies: int, reads: int) -> None:
    """`copies` cancels and `reads` status reads of one job, sent together; fills `attempt`."""
    cancel = Call.on_request("cancel", attempt.request_id)
    status = Call.on_request("status", attempt.request_id)
    calls = [cancel] * copies + [status] * reads

    def send(call: Call) -> Read | None:
        try:
            return ctx.send(call)
        except TransportError:
            return None

    if len(calls) == 1:
        answers = [send(cancel)]
    else:
        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            answers = list(pool.map(send, calls))
    replies = [a for a in answers[:copies] if a is not None]
    attempt.replies += replies
    attempt.concurrent += [a for a in answers[copies:] if a is not None]
    attempt.void = void_reason(replies, copies - len(replies))


def watch_start(
    job: JobRecord,
    poll: Callable[[JobRecord], Read | None],
    clock: Clock,
    interval: float,
    deadline: float,
) -> bool:
    """Poll `job` every `interval` s while it is queued; True once a read says in_progress."""
    while clock.now() < deadline:
        read = poll(job)
        phase = read.phase if read is not None else Phase.QUEUED
        if phase is Phase.RUNNING:
            return True
        if phase is not Phase.QUEUED:
            return False
        clock.sleep(interval)
    return False
