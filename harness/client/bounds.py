"""How much of a server's answer the harness will wait for and hold: bytes and wall-clock time.

Pure functions over an iterator of chunks, so every driver applies the same bounds: the sync and
async clients (`transport`), image downloads (`download`), and the Locust driver, which can pass
its own response stream's chunks to `read_capped`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DEFAULT_BOUNDS",
    "MIB",
    "Body",
    "Bounds",
    "CappedBuffer",
    "Cut",
    "aread_capped",
    "chunks_of",
    "read_capped",
]

MIB = 1024 * 1024


@dataclass(frozen=True)
class Bounds:
    """The limits every request obeys. Defaults fit the real API with a wide margin.

    - `request_timeout`: total wall-clock seconds for one call, connecting, sending, waiting and
      reading included, and the retries of a safe read too (they share it; never multiply it).
    - `max_body_bytes`: any API answer (submit, status, result, cancel, error). A status body is
      a few hundred bytes; more than this is cut and judged as the broken answer it is.
    - `max_image_bytes`: an output image download (the API accepts inputs up to 50 MB).
    - `cleanup_timeout`: the whole cleanup after Ctrl-C (every cancel sent then), in seconds.
    - `max_redirects`: hops an image download follows; API calls never follow a redirect.
    """

    request_timeout: float = 30.0
    max_body_bytes: int = 4 * MIB
    max_image_bytes: int = 64 * MIB
    cleanup_timeout: float = 15.0
    max_redirects: int = 5

    def __post_init__(self) -> None:
        if self.request_timeout <= 0 or self.cleanup_timeout <= 0:
            raise ValueError("request and cleanup timeouts must be > 0")
        if self.max_body_bytes <= 0 or self.max_image_bytes <= 0 or self.max_redirects < 0:
            raise ValueError("byte caps must be > 0 and max_redirects >= 0")


DEFAULT_BOUNDS = Bounds()


class Cut(StrEnum):
    """Why a body is not whole."""

    CAP = "cap"  # more bytes than the cap allows
    DEADLINE = "deadline"  # the request's deadline passed mid-body (a trickle)


@dataclass(frozen=True)
class Body:
    """What was kept of a body: at most the cap, and whether (and why) it was cut."""

    content: bytes
    received: int  # bytes actually read off the wire (may pass the cap by one chunk)
    cut: Cut | None = None

    @property
    def whole(self) -> bool:
        return self.cut is None

    def note(self, limit: int, timeout: float) -> str | None:
        """One line for evidence when the body was cut, else None."""
        if self.cut is Cut.CAP:
            return f"BodyTooLarge: answer over the {limit}-byte cap, cut (kept {len(self.content)})"
        if self.cut is Cut.DEADLINE:
            return (
                f"ReadTimeout: answer not complete within the {round(timeout, 2):g} s "
                f"request deadline ({self.received} bytes came)"
            )
        return None


class CappedBuffer:
    """Chunks kept up to a cap; what passes it is counted, not kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.buffer = bytearray()
        self.received = 0

    def add(self, chunk: bytes) -> bool:
        """Keep what fits; True when the cap is passed."""
        self.received += len(chunk)
        room = self.limit - len(self.buffer)
        if room > 0:
            self.buffer += chunk[:room]
        return self.received > self.limit

    def body(self, cut: Cut | None) -> Body:
        return Body(bytes(self.buffer), self.received, cut)


def read_capped(
    chunks: Iterable[bytes],
    limit: int,
    deadline: float,
    now: Callable[[], float] = time.monotonic,
) -> Body:
    """Read `chunks` until the end, `limit` bytes, or `deadline` (on `now`'s clock).

    Never holds more than `limit` bytes (plus the chunk in hand). The deadline is checked after
    each chunk: a driver whose single read can block must bound that read itself (the sync
    client's transport does, see `transport.deadline`)."""
    acc = CappedBuffer(limit)
    for chunk in chunks:
        if acc.add(chunk):
            return acc.body(Cut.CAP)
        if now() >= deadline:
            return acc.body(Cut.DEADLINE)
    return acc.body(None)


async def aread_capped(
    chunks: AsyncIterable[bytes],
    limit: int,
    deadline: float,
    now: Callable[[], float] = time.monotonic,
) -> Body:
    """`read_capped` for an async stream (the caller bounds each await, e.g. with a timeout)."""
    acc = CappedBuffer(limit)
    async for chunk in chunks:
        if acc.add(chunk):
            return acc.body(Cut.CAP)
        if now() >= deadline:
            return acc.body(Cut.DEADLINE)
    return acc.body(None)


def chunks_of(read: Callable[[int], bytes], size: int = 64 * 1024) -> Iterator[bytes]:
    """A file-like body (`read(n)`, e.g. a Locust FastHttp response stream) as chunks for
    `read_capped`: `read_capped(chunks_of(stream.read), bounds.max_body_bytes, deadline)`."""
    while chunk := read(size):
        yield chunk
