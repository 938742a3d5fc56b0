"""Downloading an output image the way a browser would, but safely.

The server chooses the URL, so the harness treats it as untrusted: redirects are followed (a CDN
answers 302) for at most `bounds.max_redirects` hops, each hop's address is checked first
(`urls.fetch_refusal`: never a metadata or link-local address, never the machine's own network
unless the base URL is there too), the API's token goes only to the base URL's own origin, the
body is capped at `bounds.max_image_bytes` and the whole download shares one deadline. No body
is kept in evidence (an image is shown as its size and type; anything else is not the harness's
to keep), and an image whose pixel count passes Pillow's decompression-bomb limit is a problem,
not a picture to decode.
"""

from __future__ import annotations

import io
import time
import warnings
from dataclasses import dataclass

import httpx

from harness.client.bounds import Bounds
from harness.client.transport import Received, send_bounded
from harness.evidence import Exchange
from harness.urls import Resolver, fetch_refusal, resolve_host, same_origin

__all__ = ["Download", "download_image", "image_size"]

_TRANSIENT = frozenset({429, 502, 503, 504})  # "not now": worth another try


@dataclass(frozen=True)
class Download:
    """What one download got: the final answer's status and bytes, every hop as evidence, and
    why there is no usable image (`problem`), if so."""

    url: str
    status: int | None
    content: bytes
    exchanges: tuple[Exchange, ...]
    problem: str | None = None
    size: tuple[int, int] | None = None
    retryable: bool = False  # no answer at all, or a transient status: worth another try

    @property
    def exchange(self) -> Exchange:
        """The last hop: the answer the image was judged by."""
        return self.exchanges[-1]


def image_size(content: bytes) -> tuple[tuple[int, int] | None, str | None]:
    """(width, height) from the image's header (nothing is decoded), and a problem: a pixel
    count over Pillow's decompression-bomb limit. (None, None) when it is no image Pillow
    reads; the format check says what it is instead."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(content)) as img:
                width, height = img.size
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            return None, f"decompression bomb: {exc}"
        except Exception:  # not an image Pillow can read
            return None, None
    return (int(width), int(height)), None


def _refused(url: str, why: str, hops: list[Exchange]) -> Download:
    note = Exchange("GET", url, {}, "", error=f"Refused: {why} (not fetched)")
    return Download(url, None, b"", (*hops, note), problem=f"refused {url}: {why}")


def download_image(
    http: httpx.Client,
    url: str,
    *,
    base_url: str,
    bounds: Bounds,
    auth: dict[str, str] | None = None,
    resolve: Resolver = resolve_host,
) -> Download:
    """GET `url`, following safe redirects, within `bounds`. `auth` (the API's headers) is sent
    only to the base URL's origin. Never raises for anything the server does."""
    end = time.monotonic() + bounds.request_timeout
    hops: list[Exchange] = []
    current = url
    for _hop in range(bounds.max_redirects + 1):
        left = end - time.monotonic()
        why = fetch_refusal(current, base_url, resolve=resolve, timeout=max(0.1, left))
        if why is not None:
            return _refused(current, why, hops)
        headers = dict(auth or {}) if same_origin(current, base_url) else {}
        request = http.build_request("GET", current, headers=headers)
        sent = time.time()
        try:
            received = send_bounded(http, request, bounds.max_image_bytes, max(0.05, left))
        except httpx.RequestError as exc:
            error = f"{type(exc).__name__}: {exc or 'no answer in time'}"
            hops.append(Exchange.of(request, error=error, sent_at=sent, received_at=time.time()))
            transient = not isinstance(exc, httpx.TimeoutException)
            return Download(url, None, b"", tuple(hops), problem=error, retryable=transient)
        response, body = received.response, received.body
        note = body.note(bounds.max_image_bytes, bounds.request_timeout)
        hops.append(
            Exchange.of(
                request,
                response,
                sent_at=sent,
                received_at=time.time(),
                content=body.content,
                clipped=not body.whole,
                keep_body=False,
                error=note,
            )
        )
        location = response.headers.get("location")
        if response.is_redirect and location:
            current = str(response.url.join(location))
            continue
        return _final(url, received, note, tuple(hops))
    return Download(
        url, None, b"", tuple(hops), problem=f"more than {bounds.max_redirects} redirects"
    )


def _final(url: str, received: Received, note: str | None, hops: tuple[Exchange, ...]) -> Download:
    status, body = received.response.status_code, received.body
    if not body.whole:  # over the cap, or the deadline struck mid-body
        return Download(url, status, b"", hops, problem=note)
    if status != 200:
        return Download(url, status, b"", hops, retryable=status in _TRANSIENT)
    size, problem = image_size(body.content)
    return Download(url, status, body.content, hops, problem=problem, size=size)
