"""Aimed races: several calls on one job at the same moment.

`cancel_at_once` fires cancels and status reads together from a small thread pool (the client's
httpx pool is shared and thread-safe). Watching a job start is the poll schedule's job
(`schedule.PollSchedule.watch`): a watch must never starve the other jobs' reads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from harness.checks import CancelTry, CheckContext, Read
from harness.checks.outcomes import void_reason
from harness.client import Call
from harness.errors import TransportError

__all__ = ["cancel_at_once"]


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
