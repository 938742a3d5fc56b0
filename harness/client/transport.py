"""One bounded HTTP exchange: a total wall-clock deadline and a byte cap on the answer.

httpx's timeouts apply per socket operation, so a server trickling one byte a second never trips
them. The sync client therefore sends through `bounded_http_client`, whose network streams
shorten every socket operation to what is left of the request's deadline (a context variable,
set per request, so threads sharing one pool each keep their own). The async client wraps the
whole exchange in a cancel scope instead. With any other injected client the per-operation
timeouts are set to the deadline and the body is read against it: bounded, less tightly.

The body is always streamed and capped (`bounds.read_capped`), never read whole. API calls
never follow redirects.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpcore
import httpx

from harness.client.bounds import Body, CappedBuffer, Cut
from harness.secrets import scrub_bytes

__all__ = [
    "Received",
    "asend_bounded",
    "bounded_async_http_client",
    "bounded_http_client",
    "deadline",
    "send_bounded",
]

_DEADLINE: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "harness_request_deadline", default=None
)
# Headers that describe the wire form of a body we have already decoded (and maybe cut).
_WIRE_HEADERS = ("content-encoding", "content-length", "transfer-encoding")


@contextmanager
def deadline(at: float) -> Iterator[None]:
    """Every socket operation of a `bounded_http_client` in this context ends by `at`
    (time.monotonic)."""
    token = _DEADLINE.set(at)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    at = _DEADLINE.get()
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, left, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.connect_unix_socket(path, left, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport, with the pool's network backend wrapped (httpx has no public
    hook for it; `tests/client/test_bounds.py` fails if this stops taking effect)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        pool = self._pool
        pool._network_backend = _DeadlineBackend(pool._network_backend)


def bounded_http_client(**kwargs: Any) -> httpx.Client:
    """An `httpx.Client` whose every request ends by its deadline, however the server trickles.
    Redirects are never followed."""
    kwargs.setdefault("timeout", 30.0)
    return httpx.Client(transport=_DeadlineTransport(), follow_redirects=False, **kwargs)


def bounded_async_http_client(**kwargs: Any) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` that never follows redirects (`asend_bounded` bounds the time)."""
    kwargs.setdefault("timeout", 30.0)
    return httpx.AsyncClient(follow_redirects=False, **kwargs)


@dataclass(frozen=True)
class Received:
    """A bounded answer: the response (its body is the capped, scrubbed `body.content`) and
    what was read."""

    response: httpx.Response
    body: Body


def _timeouts(seconds: float) -> dict[str, float]:
    return {"connect": seconds, "read": seconds, "write": seconds, "pool": seconds}


def _received(request: httpx.Request, streamed: httpx.Response, body: Body) -> Received:
    headers = [(k, v) for k, v in streamed.headers.multi_items() if k.lower() not in _WIRE_HEADERS]
    response = httpx.Response(
        streamed.status_code,
        headers=headers,
        content=scrub_bytes(body.content, clipped=not body.whole),
        request=request,
        extensions={"http_version": streamed.extensions.get("http_version", b"HTTP/1.1")},
    )
    return Received(response, body)


def send_bounded(
    http: httpx.Client, request: httpx.Request, limit: int, timeout: float
) -> Received:
    """Send `request` and read at most `limit` bytes of the answer, all within `timeout` s.
    Raises `httpx.TimeoutException` when no answer (status line and headers) came in time; a
    body the deadline cuts short comes back with `body.cut` set."""
    at = time.monotonic() + timeout
    request.extensions["timeout"] = _timeouts(timeout)
    with deadline(at):
        streamed = http.send(request, stream=True, follow_redirects=False)
        buffer = CappedBuffer(limit)
        cut: Cut | None = None
        try:
            for chunk in streamed.iter_bytes():
                if buffer.add(chunk):
                    cut = Cut.CAP
                    break
                if time.monotonic() >= at:
                    cut = Cut.DEADLINE
                    break
        except httpx.TimeoutException:
            cut = Cut.DEADLINE  # the deadline struck inside a read: a trickle
        finally:
            streamed.close()
    return _received(request, streamed, buffer.body(cut))


async def asend_bounded(
    http: httpx.AsyncClient, request: httpx.Request, limit: int, timeout: float
) -> Received:
    """The async twin of `send_bounded`: the whole exchange runs in one cancel scope."""
    request.extensions["timeout"] = _timeouts(timeout)
    streamed: httpx.Response | None = None
    buffer = CappedBuffer(limit)
    cut: Cut | None = Cut.DEADLINE  # unless the body ends, or passes the cap, in time
    with anyio.move_on_after(timeout):
        streamed = await http.send(request, stream=True, follow_redirects=False)
        try:
            cut = await _read_into(streamed, buffer)
        except httpx.TimeoutException:
            cut = Cut.DEADLINE
        finally:
            with anyio.CancelScope(shield=True):
                await streamed.aclose()
    if streamed is None:
        raise httpx.ReadTimeout(f"no answer within {timeout:g} s", request=request)
    return _received(request, streamed, buffer.body(cut))


async def _read_into(streamed: httpx.Response, buffer: CappedBuffer) -> Cut | None:
    async for chunk in streamed.aiter_bytes():
        if buffer.add(chunk):
            return Cut.CAP
    return None
