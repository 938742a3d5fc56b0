"""Locust's FastHttpSession as one more driver of the client's flows (beside `Client` and
`AsyncClient`): each `Send` goes through the user's session, so Locust counts it, under the
same bounds as the reference client: a body read stops at `max_body` bytes and every request
has a total deadline. Uses gevent, not Locust itself (the session is handed in).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import gevent
import httpx

from harness.client.base import ClientSettings
from harness.client.flows import Flow, drive

__all__ = ["FastHttpDriver", "LoadClient", "RequestBuilder"]

# Headers the session sets itself; Accept-Encoding is pinned to identity so the byte cap
# counts what is kept, not a compressed stream that could inflate past it.
_OWN_HEADERS = frozenset({"host", "content-length", "connection", "user-agent", "accept-encoding"})
_ALL_CODES = frozenset(range(100, 600))  # every answer is the flow's to judge, not the agent's
_CHUNK = 64 * 1024


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
    """Sends httpx requests through a Locust `FastHttpSession`."""

    session: Any  # locust.contrib.fasthttp.FastHttpSession
    max_body: int = 1024 * 1024
    deadline: float = 30.0  # seconds for one request, connect to last byte
    submits_sent: int = 0  # submits put on the wire, counted apart from the job records

    def __post_init__(self) -> None:
        self.session.client.valid_response_codes = _ALL_CODES

    def run(self, flow: Flow[Any]) -> Any:
        return drive(flow, self.send, gevent.sleep)

    def send(self, request: httpx.Request) -> httpx.Response:
        name = _endpoint(request)
        if name == "submit":
            self.submits_sent += 1
        headers = {k: v for k, v in request.headers.items() if k not in _OWN_HEADERS}
        headers["Accept-Encoding"] = "identity"
        started = time.perf_counter()
        try:
            with gevent.Timeout(self.deadline):
                return self._send(request, name, headers, started)
        except gevent.Timeout:
            error = httpx.ReadTimeout(f"no whole answer within {self.deadline:g}s", request=request)
            self._report_failure(request, name, started, error)
            raise error from None

    def _send(
        self, request: httpx.Request, name: str, headers: dict[str, str], started: float
    ) -> httpx.Response:
        content = request.content or None
        with self.session.request(
            request.method, str(request.url), name=name, data=content, headers=headers,
            stream=True, catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code == 0 or answer._response is None:
                answer.failure(getattr(answer, "error", None) or "no answer")
                raise httpx.ConnectError(_describe(answer), request=request)
            body = self._read(answer)
            answer.request_meta["response_length"] = len(body or b"")
            answer.request_meta["response_time"] = (time.perf_counter() - started) * 1000
            if body is None:
                answer.failure(f"answer over {self.max_body} bytes")
                raise httpx.ReadError(f"answer over {self.max_body} bytes", request=request)
            if answer.status_code >= 400:
                answer.failure(f"HTTP {answer.status_code}")
            else:
                answer.success()
            headers_in = list(answer.headers.items()) if answer.headers else []
            return httpx.Response(
                answer.status_code, headers=headers_in, content=body, request=request
            )

    def _read(self, answer: Any) -> bytes | None:
        """The body, or None past `max_body` (the connection is then closed, not reused)."""
        raw = answer._response
        chunks: list[bytes] = []
        size = 0
        while chunk := raw.read(_CHUNK):
            size += len(chunk)
            if size > self.max_body:
                raw.release()  # an unfinished body: the socket is closed
                return None
            chunks.append(chunk)
        return b"".join(chunks)

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


def _endpoint(request: httpx.Request) -> str:
    """submit | status | result | cancel: Locust's name for the request."""
    path = request.url.path
    if request.method == "POST" and "/v1/models/" in path:
        return "submit"
    return path.rsplit("/", 1)[-1]


def _describe(answer: Any) -> str:
    error = getattr(answer, "error", None)
    return f"{type(error).__name__}: {error}" if error is not None else "no answer"
