"""A raw ASGI app over ApiModel (raw ASGI: no framework cost on the hot status path)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

from harness.clock import SystemClock
from harness.emulator.fetch import AllowList, HttpImageSource
from harness.model import ApiModel, FaultSet, HttpRequest, ModelConfig

__all__ = ["EmulatorApp", "build_app"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class EmulatorApp:
    def __init__(self, model: ApiModel, images: HttpImageSource) -> None:
        self.model = model
        self.images = images

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.images.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host")
        if host is None:
            server = scope.get("server") or ("127.0.0.1", 0)
            host = f"{server[0]}:{server[1]}"
        self.images.learn_netloc(host)
        delay = self.model.faults.delay
        if delay > 0:
            await asyncio.sleep(delay)
        request = HttpRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
            base_url=f"{scope.get('scheme', 'http')}://{host}",
        )
        if request.path.startswith("/files/"):
            # Rendering an output image takes tens of ms: keep the event loop (every other
            # request, status polls included) free meanwhile. The model renders outside its lock.
            answer = await asyncio.to_thread(self.model.handle, request)
        else:
            answer = self.model.handle(request)
        if answer.drop:
            await _drop_connection(send)
            return
        raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
        raw_headers.append((b"content-length", str(len(answer.body)).encode()))
        await send({"type": "http.response.start", "status": answer.status, "headers": raw_headers})
        payload = b"" if scope["method"] == "HEAD" else answer.body
        await send({"type": "http.response.body", "body": payload})


async def _drop_connection(send: Send) -> None:
    """Close the socket without a byte of answer (fault drop_rate).

    ASGI has no "hang up"; uvicorn's send is a bound method of the request cycle, whose
    transport we close. Then wait for uvicorn to notice, so it sends no 500 of its own.
    """
    cycle = getattr(send, "__self__", None)
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("fault drop_rate")
    transport.close()
    for _ in range(100):
        if getattr(cycle, "disconnected", True):
            return
        await asyncio.sleep(0)


def build_app(
    config: ModelConfig | None = None,
    faults: FaultSet | None = None,
    *,
    fetch_allow: Sequence[str] | None = None,
) -> EmulatorApp:
    """The ASGI app on the real clock, fetching external image URLs over HTTP: any URL, or
    with `fetch_allow` only those under its prefixes (empty: the emulator's own samples)."""
    config = config or ModelConfig()
    allow = None if fetch_allow is None else AllowList(fetch_allow)
    images = HttpImageSource(max_bytes=config.max_image_bytes, allow=allow)
    model = ApiModel(config, SystemClock(), images, faults or FaultSet(seed=config.seed))
    return EmulatorApp(model, images)
