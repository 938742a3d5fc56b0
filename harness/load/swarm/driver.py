"""Locust's FastHttpSession as one more driver of the client's flows (beside `Client` and
`AsyncClient`): each `Send` goes through the user's session, so Locust counts it, under the
same bounds as the reference client: the step's total deadline (a gevent timeout) and byte cap
(`bounds.read_capped`), the answer scrubbed of tokens. Uses gevent, not Locust itself (the
session is handed in).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import gevent
import httpx

from harness.client.base import ClientSettings
from harness.client.bounds import Body, Cut, chunks_of, read_capped
from harness.client.flows import Flow, Send, drive
from harness.client.transport import Received
from harness.secrets import scrub_bytes

__all__ = ["FastHttpDriver", "LoadClient", "RequestBuilder"]

# Headers the session sets itself; Accept-Encoding is pinned to identity so the byte cap
# counts what is kept, not a compressed stream that could inflate past it.
_OWN_HEADERS = frozenset({"host", "content-length", "connection", "user-agent", "accept-encoding"})
_ALL_CODES = frozenset(range(100, 600))  # every answer is the flow's to judge, not the agent's
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
        return drive(flow, self.send, gevent.sleep)

    def send(self, step: Send) -> Received:
        request = step.request
        name = _endpoint(request)
        if name == "submit":
            self.submits_sent += 1
        started = time.perf_counter()
        at = time.monotonic() + step.timeout
        try:
            with gevent.Timeout(step.timeout):  # until the status line and headers are in
                answer = self._open(request, name)
        except gevent.Timeout:
            error = httpx.ReadTimeout(f"no answer within {step.timeout:g} s", request=request)
            self._report_failure(request, name, started, error)
            raise error from None
        with answer:
            if answer.status_code == 0 or answer._response is None:
                answer.failure(getattr(answer, "error", None) or "no answer")
                raise httpx.ConnectError(_describe(answer), request=request)
            body = _read(answer._response, step.limit, at)
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
        response = httpx.Response(
            answer.status_code, headers=headers, content=scrub_bytes(body.content), request=request
        )
        return Received(response, body)

    def _open(self, request: httpx.Request, name: str) -> Any:
        headers = {k: v for k, v in request.headers.items() if k not in _OWN_HEADERS}
        headers["Accept-Encoding"] = "identity"
        return self.session.request(
            request.method, str(request.url), name=name, data=request.content or None,
            headers=headers, stream=True, catch_response=True,
        )  # fmt: skip

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


def _read(raw: Any, limit: int, at: float) -> Body:
    """The body, at most `limit` bytes, by `at` (time.monotonic); each read is bounded by what
    is left, so a trickling server cannot hold the greenlet. A cut body closes the socket."""
    late = False

    def read(size: int) -> bytes:
        nonlocal late
        try:
            with gevent.Timeout(max(0.0, at - time.monotonic())):
                return bytes(raw.read(size))
        except gevent.Timeout:
            late = True
            return b""

    body = read_capped(chunks_of(read), limit, at)
    if late and body.cut is None:
        body = Body(body.content, body.received, Cut.DEADLINE)
    if body.cut is not None:
        raw.release()  # an unfinished body: the socket is closed, not reused
    return body


def _endpoint(request: httpx.Request) -> str:
    """submit | status | result | cancel: Locust's name for the request."""
    path = request.url.path
    if request.method == "POST" and "/v1/models/" in path:
        return "submit"
    return path.rsplit("/", 1)[-1]


def _describe(answer: Any) -> str:
    error = getattr(answer, "error", None)
    return f"{type(error).__name__}: {error}" if error is not None else "no answer"
