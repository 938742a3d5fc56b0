"""The client's call sequences, written once as generators and driven by either client.

A flow yields `Send` (the driver sends the request within `timeout` seconds, reads at most
`limit` bytes of the answer, and sends back the `Received` answer or the `httpx.RequestError`
it raised) and `Sleep` (the driver sleeps on its clock). The sync client drives flows with
blocking calls, the async one with awaits: retry, polling and the bounds exist once.

Time: one call, its retries included, gets `bounds.request_timeout` in all (a hanging read is
not tried again with a fresh deadline); `wait_flow` gives each poll at most what is left of the
job timeout (never under `MIN_POLL_SECONDS`), so it ends within the job timeout plus that.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from harness.client.base import ClientSettings, Reply
from harness.client.bounds import Cut
from harness.client.policies import FixedInterval, PollPolicy
from harness.client.protocol import Call, parse_error
from harness.client.records import History
from harness.client.retry import RetryPolicy
from harness.client.transport import Received
from harness.client.waiting import Waiter
from harness.errors import JobTimeout, TransportError
from harness.evidence import Exchange
from harness.secrets import Token

__all__ = [
    "MIN_POLL_SECONDS",
    "Flow",
    "Send",
    "Sleep",
    "call_flow",
    "drive",
    "request_flow",
    "wait_flow",
]

T = TypeVar("T")
MIN_POLL_SECONDS = 1.0  # a poll near the job deadline still gets this long to be answered
_MIN_TRY_SECONDS = 0.05


@dataclass(frozen=True)
class Send:
    request: httpx.Request
    timeout: float  # wall-clock seconds for the whole exchange
    limit: int  # bytes of the answer's body kept; the rest is not read


@dataclass(frozen=True)
class Sleep:
    seconds: float


Outcome = Received | httpx.RequestError | None
Flow = Generator[Send | Sleep, Outcome, T]


def drive(flow: Flow[T], send: Callable[[Send], Received], sleep: Callable[[float], None]) -> T:
    """Run a flow to its end with a blocking `send` (which honours the step's timeout and byte
    limit) and `sleep`: the sync client's loop, public so other blocking transports (Locust's
    FastHttpSession under gevent) drive the same flows."""
    outcome: Outcome = None
    while True:
        try:
            step = flow.send(outcome)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if isinstance(step, Send):
            try:
                outcome = send(step)
            except httpx.RequestError as exc:
                outcome = exc
        else:
            sleep(step.seconds)
            outcome = None


def request_flow(
    client: ClientSettings,
    http: Any,
    call: Call,
    token: Token | bool | None = True,
    timeout: float | None = None,
) -> Flow[Reply]:
    """Send one call, retrying only safe ones, all within `timeout` (default: the client's
    request timeout); the answer is not interpreted. An answer the deadline cut short is a
    TransportError; one over the byte cap comes back cut, with a note in its evidence."""
    policy = client.retry_for(call)
    limit = client.bounds.max_body_bytes
    end = client.now() + (client.bounds.request_timeout if timeout is None else timeout)
    attempt = 0
    while True:
        attempt += 1
        request = call.build(http, client.base_url, client.headers(token))
        sent = client.now()
        left = max(end - sent, _MIN_TRY_SECONDS)
        outcome = yield Send(request, left, limit)
        now = client.now()
        if isinstance(outcome, httpx.RequestError):
            error = client.transport_error(request, outcome, sent, now, left)
            pause = _retry_pause(policy, attempt, status=None, retry_after=None, now=now, end=end)
            if pause is None:
                raise error
            yield Sleep(pause)
            continue
        assert isinstance(outcome, Received)
        body = outcome.body
        exchange = Exchange.of(
            request,
            outcome.response,
            sent_at=sent,
            received_at=now,
            clipped=not body.whole,
            error=body.note(limit, left),
        )
        client.notify(exchange)
        if body.cut is Cut.DEADLINE:
            raise client.failed(exchange, timed_out=True)  # a trickle, and no time left
        status = outcome.response.status_code
        retry_after = outcome.response.headers.get("retry-after")
        pause = _retry_pause(
            policy, attempt, status=status, retry_after=retry_after, now=now, end=end
        )
        if pause is not None:
            yield Sleep(pause)
            continue
        return Reply(call, outcome.response, exchange, sent, now, attempt, body.received)


def _retry_pause(
    policy: RetryPolicy,
    attempt: int,
    *,
    status: int | None,
    retry_after: str | None,
    now: float,
    end: float,
) -> float | None:
    """The pause before another try, or None: no retry, or the call's deadline leaves no room
    for one (retries share the deadline; they never stretch it)."""
    if not policy.should_retry(attempt, status):
        return None
    pause = policy.delay(attempt, retry_after)
    return pause if now + pause + _MIN_TRY_SECONDS < end else None


def call_flow(
    client: ClientSettings, http: Any, call: Call, timeout: float | None = None
) -> Flow[dict[str, Any]]:
    """Send one call and interpret its answer: a JSON object, or the error it amounts to."""
    reply = yield from request_flow(client, http, call, True, timeout)
    return call.interpret(reply.response, reply.exchange, strict=client.strict)


def wait_flow(
    client: ClientSettings,
    http: Any,
    history: History,
    policy: PollPolicy | None,
    *,
    timeout: float,
    raise_on_timeout: bool,
) -> Flow[History]:
    """Poll `/status` until a terminal state; every poll lands in `history`."""
    waiter = Waiter(history, policy or FixedInterval(1.0), timeout)
    call = Call.on_request("status", history.request_id)
    while (pause := waiter.next_sleep(client.now())) is not None:
        yield Sleep(pause)
        sent = client.now()
        left = max(waiter.deadline - sent, MIN_POLL_SECONDS)
        budget = min(left, client.bounds.request_timeout)
        try:
            reply = yield from request_flow(client, http, call, timeout=budget)
        except TransportError as exc:  # retries exhausted: note it, keep polling till deadline
            waiter.record(client.poll_of(exc, sent, client.now()))
            continue
        if not 200 <= reply.response.status_code < 300:  # a redirect too: never a quiet poll
            raise parse_error(reply.response, reply.exchange)
        waiter.record(client.poll_of(reply, sent, reply.received_at))
    if not history.terminal and raise_on_timeout:
        raise JobTimeout(history.request_id, timeout, history)
    return history


def new_history(client: ClientSettings, history: History | str) -> History:
    """A history to wait on: given, or a fresh one for a request id submitted elsewhere."""
    if isinstance(history, History):
        return history
    now = client.now()
    return History(history, submit_sent=now, submit_acked=now)
