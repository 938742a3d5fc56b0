"""What the sync and async clients share: settings, auth headers, exchange listeners."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from harness.client.bounds import DEFAULT_BOUNDS, Bounds
from harness.client.protocol import DEFAULT_BASE_URL, MODEL_ID, Call
from harness.client.records import JobStatus, Poll
from harness.client.retry import NO_RETRY, RetryPolicy
from harness.errors import TransportError
from harness.evidence import Exchange
from harness.secrets import Token
from harness.urls import checked_base_url

__all__ = ["ClientSettings", "ExchangeListener", "Reply"]

ExchangeListener = Callable[[Exchange], None]


@dataclass(frozen=True)
class Reply:
    """A raw answer with its evidence and timing; nothing interpreted yet."""

    call: Call
    response: httpx.Response
    exchange: Exchange
    sent_at: float
    received_at: float
    attempts: int = 1
    received: int = 0  # body bytes read off the wire (the kept body may be cut shorter)

    def json(self) -> Any:
        """The body as JSON, or None (it is capped and scrubbed: see `transport`). A whole JSON
        answer was parsed once already, for its evidence: that parse is reused."""
        if self.exchange.response_data is not None:
            return self.exchange.response_data
        try:
            return self.response.json()
        except ValueError:
            return None


class ClientSettings:
    """Base URL, token, strictness, retry rules and `bounds`: everything but the I/O.

    `bounds` (`harness.client.bounds.Bounds`) caps every answer's bytes and every call's
    wall-clock time, retries included; the defaults suit the real API."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | Token | None = None,
        *,
        model_id: str = MODEL_ID,
        strict: bool = False,
        retry: RetryPolicy | None = None,
        listeners: list[ExchangeListener] | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        self.base_url = checked_base_url(base_url or DEFAULT_BASE_URL)
        self.token = Token.from_env_or(token)
        self.model_id = model_id
        self.strict = strict
        self.retry = retry or RetryPolicy()
        self.listeners = list(listeners or [])
        self.bounds = bounds or DEFAULT_BOUNDS

    def now(self) -> float:
        """Wall-clock epoch seconds on the client's (injected) clock."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_url!r}, token={self.token!r})"

    def headers(self, token: Token | bool | None = True) -> dict[str, str]:
        """Auth header for `token` (True: the client's own; None/False: none at all)."""
        chosen = self.token if token is True else token or None
        headers = {"Accept": "application/json"}
        if isinstance(chosen, Token):
            headers["Authorization"] = f"Bearer {chosen.reveal()}"
        return headers

    def retry_for(self, call: Call) -> RetryPolicy:
        return self.retry if call.safe else NO_RETRY

    def notify(self, exchange: Exchange) -> None:
        for listener in self.listeners:
            listener(exchange)

    def transport_error(
        self, request: httpx.Request, exc: Exception, sent: float, now: float, timeout: float
    ) -> TransportError:
        """A call that got no (complete) answer: noted as evidence, returned to raise."""
        why = str(exc)
        if isinstance(exc, httpx.TimeoutException):
            why = f"no answer within the {round(timeout, 2):g} s request deadline"
        exchange = Exchange.of(
            request, error=f"{type(exc).__name__}: {why}", sent_at=sent, received_at=now
        )
        self.notify(exchange)
        return self.failed(exchange, timed_out=isinstance(exc, httpx.TimeoutException))

    @staticmethod
    def failed(exchange: Exchange, *, timed_out: bool) -> TransportError:
        return TransportError(
            f"{exchange.method} {exchange.url} failed: {exchange.error}",
            method=exchange.method,
            url=exchange.url,
            timed_out=timed_out,
        )

    @staticmethod
    def poll_of(reply_or_error: Reply | Exception, sent: float, now: float) -> Poll:
        """A Poll from a status reply (or from the error that stood in for one)."""
        if isinstance(reply_or_error, Exception):
            return Poll(sent, now, None, error=str(reply_or_error))
        reply = reply_or_error
        status = None
        data = reply.json()
        if 200 <= reply.response.status_code < 300 and isinstance(data, dict):
            status = JobStatus.parse(data)
        return Poll(
            reply.sent_at,
            reply.received_at,
            status,
            error=None if status else _why_not(reply),
            bytes_sent=len(reply.response.request.content),
            bytes_received=reply.received,
        )


def _why_not(reply: Reply) -> str:
    """Why a status answer gave no status: its HTTP code, and what cut it, if anything."""
    note = reply.exchange.error
    return f"HTTP {reply.response.status_code}" + (f" ({note})" if note else "")
