"""Locust's FastHttpSession as one more driver of the client's flows (beside `Client` and
`AsyncClient`): each `Send` goes through the user's session, so Locust counts it, under the
same bounds as the reference client: the step's total deadline (a gevent timeout) and byte cap
(`bounds.read_capped`), the answer scrubbed of tokens. Uses gevent, not Locust itself (the
session is handed in).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import gevent
import httpx

from harness.client.base import ClientSettings
from harness.client.bounds import Body, Cut, read_capped
from harness.client.flows import Flow, Send, drive
from harness.client.transport import Received
from harness.secrets import scrub_bytes

__all__ = ["FastHttpDriver", "LoadClient", "RequestBuilder"]

# Headers the session sets itself; Accept-Encoding is pinned to identity so the byte cap
# counts what is kept, not a compressed stream that could inflate past it.
_OWN_HEADERS = frozenset({"host", "content-length", "connection", "user-agent", "accept-encoding"})
_ALL_CODES = frozenset(range(100, 600))  # every answer is the flow's to judge, not the agent's
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


@dataclass
class FastHttpDriver:
    """Sends the flows' requests through a Locust `FastHttpSession`, each within its step's
    total deadline and byte cap (`harness.client.bounds`), as the reference client does."""

    session: Any  # locust.contrib.fasthttp.FastHttpSession
    submits_sent: int = 0  # submits put on the wire, counted apart from the job records

    def __post_init__(self) -> None:
        self.session.client.valid_response_codes = _ALL_CODES

    def run(self, flow: Flow[Any]) -> Any:
        return drive(flow, self.send, _pause)

    def send(self, step: Send) -> Received:
        request = step.request
        name = _endpoint(request)
        if name == "submit":
            self.submits_sent += 1
        started = time.perf_counter()
        timer = gevent.Timeout(step.timeout)  # one timer: connect to last byte
        timer.start()
        try:
            try:
                answer = self._open(request, name)
            except gevent.Timeout as hit:
                if hit is not timer:
                    raise
                error = httpx.ReadTimeout(f"no answer within {step.timeout:g} s", request=request)
                self._report_failure(request, name, started, error)
                raise error from None
            with answer:
                if answer.status_code == 0 or answer._response is None:
                    answer.failure(getattr(answer, "error", None) or "no answer")
                    raise httpx.ConnectError(_describe(answer), request=request)
                body = _read(answer._response, step.limit, timer)
                answer.request_meta["response_length"] = body.received
                answer.request_meta["response_time"] = (time.perf_counter() - started) * 1000
                if not body.whole:
                    answer.failure(body.note(step.limit, step.timeout))
                elif answer.status_code >= 400:
                    answer.failure(f"HTTP {answer.status_code}")
                else:
                    answer.success()
                headers = [
                    (k, v)
                    for k, v in (answer.headers.items() if answer.headers else [])
                    if k.lower() not in _WIRE_HEADERS
                ]
        finally:
            timer.cancel()
        return Received(_response(request, answer.status_code, headers, body), body)

    def _open(self, request: httpx.Request, name: str) -> Any:
        wire = request.extensions.get(_WIRE)  # a reused (poll) request: prepared once
        if wire is None:
            headers = {k: v for k, v in request.headers.items() if k not in _OWN_HEADERS}
            headers["Accept-Encoding"] = "identity"
            wire = request.extensions[_WIRE] = (str(request.url), headers, request.content or None)
        url, headers, content = wire
        return self.session.request(
            request.method,
            url,
            name=name,
            data=content,
            headers=headers,
            stream=True,
            catch_response=True,
        )

    def _report_failure(
        self, request: httpx.Request, name: str, started: float, error: Exception
    ) -> None:
        self.session.request_event.fire(
            request_type=request.method,
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
            response=None,
            start_time=time.time(),
            url=str(request.url),
        )


def _read(raw: Any, limit: int, timer: gevent.Timeout) -> Body:
    """The body, at most `limit` bytes, before `timer` (the request's deadline) fires: a
    trickling server cannot hold the greenlet. A cut body closes the socket, never reused."""
    late = False

    def chunks() -> Iterator[bytes]:
        nonlocal late
        while True:
            try:
                chunk = bytes(raw.read(_CHUNK))
            except gevent.Timeout as hit:
                if hit is not timer:
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


def _describe(answer: Any) -> str:
    error = getattr(answer, "error", None)
    return f"{type(error).__name__}: {error}" if error is not None else "no answer"
