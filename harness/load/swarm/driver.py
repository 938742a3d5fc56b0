"""Locust's FastHttpSession as one more driver of the client's flows (beside `Client` and
`AsyncClient`): each `Send` goes over the session's own connection pool and is reported to
Locust's request event, so Locust counts it, under the same bounds as the reference client:
the step's total deadline (`deadlines`) and byte cap (`bounds.read_capped`), the answer
scrubbed of tokens. Uses gevent and geventhttpclient, not Locust itself (the session is handed
in).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gevent
import httpx
from geventhttpclient.response import HTTPParseError
from geventhttpclient.url import URL

from harness.client.base import ClientSettings
from harness.client.bounds import Body, Cut, read_capped
from harness.client.flows import Flow, Send, drive
from harness.client.transport import Received
from harness.load.swarm.deadlines import Deadline, Deadlines
from harness.secrets import scrub_bytes

__all__ = ["AnswerFailed", "FastHttpDriver", "LoadClient", "RequestBuilder"]

# Headers the session sets itself; Accept-Encoding is pinned to identity so the byte cap
# counts what is kept, not a compressed stream that could inflate past it.
_OWN_HEADERS = frozenset({"host", "content-length", "connection", "user-agent", "accept-encoding"})
_CHUNK = 64 * 1024
_MIN_TIMER = 0.001  # seconds
_WIRE = "chronoedit.fasthttp"  # a request's url, headers and body as the session takes them
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


class LoadClient(ClientSettings):
    """The client's settings for a load run: wall-clock time, one process-wide instance."""

    def now(self) -> float:
        return time.time()


class RequestBuilder:
    """`build_request` for `Call.build` without an httpx client; requests without a body (the
    status polls, identical for one job every time) are built once and reused."""

    def __init__(self) -> None:
        self._bodiless: dict[tuple[str, str, tuple[tuple[str, str], ...]], httpx.Request] = {}

    def build_request(
        self, method: str, url: str, *, headers: dict[str, str], **body: Any
    ) -> httpx.Request:
        if body:
            return httpx.Request(method, url, headers=headers, **body)
        key = (method, url, tuple(headers.items()))
        request = self._bodiless.get(key)
        if request is None:
            if len(self._bodiless) > 4096:  # one entry per job and endpoint: keep it bounded
                self._bodiless.clear()
            request = self._bodiless[key] = httpx.Request(method, url, headers=headers)
        return request


@dataclass(frozen=True)
class _Wire:
    """A request as the session's HTTP client takes it; a reused (poll) request keeps its own."""

    client: Any  # geventhttpclient.HTTPClient: the session's pooled connections to one origin
    method: str
    uri: str
    headers: dict[str, str]
    body: bytes
    name: str  # Locust's name for it: submit | status | result | cancel
    url: str


class AnswerFailed(Exception):
    """What Locust's statistics record for an answer the flow did not take as a success."""


# What the HTTP client raises when the exchange itself breaks (refused, reset, malformed).
_BROKEN = (OSError, HTTPParseError)


@dataclass
class FastHttpDriver:
    """Sends the flows' requests over a Locust `FastHttpSession`'s own connection pool, each
    within its step's total deadline and byte cap (`harness.client.bounds`), as the reference
    client does, and reports each to Locust's request event as the session would.

    The session's `request()` is not used: it parses the URL, runs a cookie jar and a redirect
    loop per call, and API calls must never follow a redirect. The pool's HTTP client sends
    exactly the request the flow built, once."""

    session: Any  # locust.contrib.fasthttp.FastHttpSession
    submits_sent: int = 0  # submits put on the wire, counted apart from the job records

    def __post_init__(self) -> None:
        self._clients: dict[tuple[str, str, int | None], Any] = {}
        self._event = self.session.request_event
        self._deadlines = Deadlines()

    def run(self, flow: Flow[Any]) -> Any:
        return drive(flow, self.send, _pause)

    def send(self, step: Send) -> Received:
        request = step.request
        wire = self._wire(request)
        if wire.name == "submit":
            self.submits_sent += 1
        sent_at, started = time.time(), time.perf_counter()
        late = self._deadlines.arm(step.timeout)  # one deadline, connect to last byte
        try:
            raw = wire.client.request(wire.method, wire.uri, body=wire.body, headers=wire.headers)
            body = _read(raw, step.limit, late)
            headers = [(k, v) for k, v in raw.items() if k.lower() not in _WIRE_HEADERS]
        except Deadline as hit:
            if hit is not late:
                raise
            error: httpx.RequestError = httpx.ReadTimeout(
                f"no answer within {step.timeout:g} s", request=request
            )
            self._report(wire, sent_at, started, 0, error)
            raise error from None
        except _BROKEN as exc:
            error = httpx.ConnectError(f"{type(exc).__name__}: {exc}", request=request)
            self._report(wire, sent_at, started, 0, error)
            raise error from None
        finally:
            self._deadlines.disarm()
        status = raw.status_code
        failure = (
            AnswerFailed(body.note(step.limit, step.timeout)) if not body.whole
            else AnswerFailed(f"HTTP {status}") if status >= 400 else None
        )  # fmt: skip
        self._report(wire, sent_at, started, body.received, failure)
        return Received(_response(request, status, headers, body), body)

    def _wire(self, request: httpx.Request) -> _Wire:
        wire: _Wire | None = request.extensions.get(_WIRE)
        if wire is None:  # prepared once per request: a poll's request is reused
            url = request.url
            key = (url.scheme, url.host, url.port)
            client = self._clients.get(key)
            if client is None:
                origin = URL(f"{url.scheme}://{url.netloc.decode('ascii')}/")
                client = self._clients[key] = self.session.client.clientpool.get_client(origin)
            headers = {k: v for k, v in request.headers.items() if k not in _OWN_HEADERS}
            headers["Accept-Encoding"] = "identity"
            uri = url.raw_path.decode("ascii")
            wire = _Wire(client, request.method, uri, headers, request.content,
                         _endpoint(request), str(url))  # fmt: skip
            request.extensions[_WIRE] = wire
        return wire

    def _report(
        self, wire: _Wire, sent_at: float, started: float, length: int, error: Exception | None
    ) -> None:
        """One request for Locust's statistics, as `FastHttpSession.request` reports it."""
        self._event.fire(
            request_type=wire.method,
            name=wire.name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=length,
            exception=error,
            context={},
            response=None,
            start_time=sent_at,
            url=wire.url,
        )


def _read(raw: Any, limit: int, deadline: Deadline) -> Body:
    """The body, at most `limit` bytes, before the request's `deadline` strikes: a trickling
    server cannot hold the greenlet. A cut body closes the socket, never reused."""
    if raw.message_complete:  # the whole answer came with its headers (a poll's usually does)
        content = bytes(raw.read())  # from the buffer: no socket read, nothing to wait for
        cut = Cut.CAP if len(content) > limit else None
        return Body(content[:limit], len(content), cut)
    late = False

    def chunks() -> Iterator[bytes]:
        nonlocal late
        while True:
            try:
                chunk = bytes(raw.read(_CHUNK))
            except Deadline as hit:
                if hit is not deadline:
                    raise
                late = True
                return
            if not chunk:
                return
            yield chunk

    body = read_capped(chunks(), limit, float("inf"))
    if late and body.cut is None:
        body = Body(body.content, body.received, Cut.DEADLINE)
    if body.cut is not None:
        raw.release()
    return body


def _response(
    request: httpx.Request, status: int, headers: list[tuple[str, str]], body: Body
) -> httpx.Response:
    """The answer as httpx's own Response, its (scrubbed) body already read: built from a byte
    stream with the content set, not re-read through httpx's decoders on every poll."""
    content = scrub_bytes(body.content)
    response = httpx.Response(status, headers=headers, stream=httpx.ByteStream(content))
    response.request = request
    response._content = content  # what `read()` would store: the whole (capped) body
    return response


def _pause(seconds: float) -> None:
    """gevent.sleep, but a pause under a millisecond is a plain yield: the loop cannot time it
    any finer, and arming a timer for it costs more than the poll it separates."""
    gevent.sleep(seconds if seconds >= _MIN_TIMER else 0)


def _endpoint(request: httpx.Request) -> str:
    """submit | status | result | cancel: Locust's name for the request."""
    path = request.url.path
    if request.method == "POST" and "/v1/models/" in path:
        return "submit"
    return path.rsplit("/", 1)[-1]
