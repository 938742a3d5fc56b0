"""The client's call sequences, written once as generators and driven by either client.

A flow yields `Send` (the driver sends the request and sends back the response, or the
`httpx.TransportError` it raised) and `Sleep` (the driver sleeps on its clock). The sync client
drives flows with blocking calls, the async one with awaits: retry and polling logic exist once.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from harness.client.base import ClientSettings, Reply
from harness.client.policies import FixedInterval, PollPolicy
from harness.client.protocol import Call, parse_error
from harness.client.records import History
from harness.client.waiting import Waiter
from harness.errors import JobTimeout, TransportError
from harness.evidence import Exchange
from harness.secrets import Token

__all__ = ["Flow", "Send", "Sleep", "call_flow", "drive", "request_flow", "wait_flow"]

T = TypeVar("T")


@dataclass(frozen=True)
class Send:
    request: httpx.Request


@dataclass(frozen=True)
class Sleep:
    seconds: float


Outcome = httpx.Response | httpx.TransportError | None
Flow = Generator[Send | Sleep, Outcome, T]


def drive(
    flow: Flow[T],
    send: Callable[[httpx.Request], httpx.Response],
    sleep: Callable[[float], None],
) -> T:
    """Run a flow to its end with blocking `send` and `sleep`: the sync client's loop, public so
    other blocking transports (Locust's FastHttpSession under gevent) drive the same flows."""
    outcome: Outcome = None
    while True:
        try:
            step = flow.send(outcome)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        if isinstance(step, Send):
            try:
                outcome = send(step.request)
            except httpx.TransportError as exc:
                outcome = exc
        else:
            sleep(step.seconds)
            outcome = None


def request_flow(
    client: ClientSettings, http: Any, call: Call, token: Token | bool | None = True
) -> Flow[Reply]:
    """Send one call, retrying only safe ones; the answer is not interpreted."""
    policy = client.retry_for(call)
    attempt = 0
    while True:
        attempt += 1
        request = call.build(http, client.base_url, client.headers(token))
        sent = client.now()
        outcome = yield Send(request)
        if isinstance(outcome, httpx.TransportError):
            error = client.transport_error(request, outcome, sent, client.now())
            if not policy.should_retry(attempt, None):
                raise error
            yield Sleep(policy.delay(attempt))
            continue
        assert isinstance(outcome, httpx.Response)
        received = client.now()
        exchange = Exchange.of(request, outcome, sent_at=sent, received_at=received)
        client.notify(exchange)
        if policy.should_retry(attempt, outcome.status_code):
            yield Sleep(policy.delay(attempt, outcome.headers.get("retry-after")))
            continue
        return Reply(call, outcome, exchange, sent, received, attempt)


def call_flow(client: ClientSettings, http: Any, call: Call) -> Flow[dict[str, Any]]:
    """Send one call and interpret its answer: a JSON object, or the error it amounts to."""
    reply = yield from request_flow(client, http, call)
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
        try:
            reply = yield from request_flow(client, http, call)
        except TransportError as exc:  # retries exhausted: note it, keep polling till deadline
            waiter.record(client.poll_of(exc, sent, client.now()))
            continue
        if reply.response.status_code >= 400:
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
