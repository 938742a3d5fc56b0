"""The emulator's ImageSource: samples on its own address resolve locally, others over HTTP.

External fetches start at submit time as a background task on the server's event loop, with
short timeouts and no retries (no machine here has internet: a DNS lookup must not hold a
GPU for long), and a size cap. The model reads the outcome when it next advances.

An emulator reachable from other machines must not fetch whatever URL a client names (it would
scan the network it sits in for them): with an allow-list, only URLs under its prefixes are
fetched, redirects included, and an empty list means the emulator's own samples only.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from urllib.parse import urlsplit

import httpx

from harness.model.images import (
    FetchFailure,
    FetchOutcome,
    PendingImage,
    Resolved,
    decode_image,
    sample_outcome,
)

__all__ = ["FETCH_TIMEOUT", "AllowList", "HttpImageSource"]

FETCH_TIMEOUT = 2.0
_MAX_OWN_NETLOCS = 64  # Host headers learned as our own: a client must not grow this forever


class AllowList:
    """URL prefixes an emulator may fetch: same scheme and host:port, path under the prefix's
    (so `https://cdn.example/img` never admits `https://cdn.example.evil/...`)."""

    def __init__(self, prefixes: Sequence[str]) -> None:
        self.prefixes = tuple(prefixes)
        self._parts = [_origin_and_path(p) for p in prefixes]

    def admits(self, url: str) -> bool:
        origin, path = _origin_and_path(url)
        return any(origin == o and path.startswith(p) for o, p in self._parts)

    async def check(self, request: httpx.Request) -> None:
        """httpx request hook: every request, each redirect hop included."""
        if not self.admits(str(request.url)):
            raise FetchFailureError(FetchFailure("image_unreachable", _NOT_ALLOWED))


_NOT_ALLOWED = "image_url is not on this emulator's fetch allow-list (serve --fetch-allow)"


def _origin_and_path(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}", parts.path or "/"


class _Pending:
    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value: FetchOutcome | None = None

    def outcome(self) -> FetchOutcome | None:
        return self.value


class HttpImageSource:
    def __init__(
        self,
        *,
        max_bytes: int,
        timeout: float = FETCH_TIMEOUT,
        allow: AllowList | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.allow = allow  # None: fetch any http(s) URL (a loopback emulator)
        self.own_netlocs: set[str] = set()  # host:port spellings this server answers on
        self._client: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._seen: OrderedDict[str, FetchOutcome] = OrderedDict()  # recent good images

    def start(self, url: str) -> PendingImage:
        parts = urlsplit(url)
        if parts.netloc in self.own_netlocs and parts.path.startswith("/samples/"):
            return Resolved(sample_outcome(parts.path[len("/samples/") :], self.max_bytes))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return Resolved(FetchFailure("image_unreachable", "image_url is not an http(s) URL"))
        if self.allow is not None and not self.allow.admits(url):
            return Resolved(FetchFailure("image_unreachable", _NOT_ALLOWED))
        if url in self._seen:
            return Resolved(self._seen[url])
        pending = _Pending()
        task = asyncio.get_running_loop().create_task(self._fetch(url, pending))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return pending

    def learn_netloc(self, netloc: str) -> None:
        """A host:port this server answers on (a request's Host header), up to a cap."""
        if len(self.own_netlocs) < _MAX_OWN_NETLOCS:
            self.own_netlocs.add(netloc)

    async def _fetch(self, url: str, pending: _Pending) -> None:
        try:
            data = await asyncio.wait_for(self._download(url), self.timeout)
        except FetchFailureError as exc:
            pending.value = exc.failure
            return
        except (httpx.HTTPError, TimeoutError, OSError) as exc:
            pending.value = FetchFailure(
                "image_unreachable", f"could not fetch image_url ({exc.__class__.__name__})"
            )
            return
        outcome = await asyncio.to_thread(decode_image, data, self.max_bytes)
        if not isinstance(outcome, FetchFailure):
            self._seen[url] = outcome
            while len(self._seen) > 256:
                self._seen.popitem(last=False)
        pending.value = outcome

    async def _download(self, url: str) -> bytes:
        if self._client is None:
            self._client = httpx.AsyncClient(
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=True,
                limits=httpx.Limits(max_connections=32),
                event_hooks={"request": [self.allow.check]} if self.allow is not None else {},
            )
        chunks: list[bytes] = []
        size = 0
        async with self._client.stream("GET", url) as response:
            if response.status_code != 200:
                raise FetchFailureError(
                    FetchFailure(
                        "image_unreachable", f"image_url answered HTTP {response.status_code}"
                    )
                )
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise FetchFailureError(
                        FetchFailure(
                            "image_too_large", f"input image is over {self.max_bytes} bytes"
                        )
                    )
                chunks.append(chunk)
        return b"".join(chunks)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None


class FetchFailureError(Exception):
    def __init__(self, failure: FetchFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure
