"""Input images (what fetching `image_url` gave) and the sample pictures the server hosts.

The model never fetches: an injected `ImageSource` tells it, possibly later, what a URL holds.
`InputImage` keeps only a tiny thumbnail, shared per URL, so 10,000 held jobs stay cheap.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Protocol

from PIL import Image, ImageDraw

__all__ = [
    "DEFAULT_SAMPLE",
    "NOT_AN_IMAGE",
    "SAMPLES",
    "THUMB",
    "FetchFailure",
    "FetchOutcome",
    "ImageSource",
    "InputImage",
    "LocalImageSource",
    "PendingImage",
    "Resolved",
    "decode_image",
    "sample_bytes",
    "sample_outcome",
    "sample_url",
]

THUMB = (16, 16)
# name -> (width, height, Pillow format, content type)
SAMPLES: dict[str, tuple[int, int, str, str]] = {
    "landscape-16x9.jpg": (1280, 720, "JPEG", "image/jpeg"),
    "portrait-3x4.png": (768, 1024, "PNG", "image/png"),
    "square-1x1.webp": (1024, 1024, "WEBP", "image/webp"),
}
DEFAULT_SAMPLE = "landscape-16x9.jpg"
NOT_AN_IMAGE = "not-an-image.txt"  # a hosted text file: a job using it fails (non-image)


def sample_url(base_url: str, name: str = DEFAULT_SAMPLE) -> str:
    """URL of a hosted sample input on a server at `base_url` (default image_url for runs)."""
    return f"{base_url.rstrip('/')}/samples/{name}"


@dataclass(frozen=True, slots=True)
class InputImage:
    width: int
    height: int
    format: str  # Pillow's name: JPEG, PNG, WEBP, ...
    size_bytes: int
    thumbnail: bytes  # THUMB-sized raw RGB, the seed of the rendered output


@dataclass(frozen=True, slots=True)
class FetchFailure:
    code: str  # image_unreachable | not_an_image | image_too_large
    message: str


FetchOutcome = InputImage | FetchFailure


class PendingImage(Protocol):
    def outcome(self) -> FetchOutcome | None:
        """What the fetch gave, or None while it is still running."""
        ...


class ImageSource(Protocol):
    def start(self, url: str) -> PendingImage:
        """Begin fetching `url` (called at submit time); never blocks."""
        ...


@dataclass(frozen=True, slots=True)
class Resolved:
    value: FetchOutcome

    def outcome(self) -> FetchOutcome | None:
        return self.value


def decode_image(data: bytes, max_bytes: int) -> FetchOutcome:
    """Inspect downloaded bytes as the model's input."""
    if len(data) > max_bytes:
        return FetchFailure("image_too_large", f"input image is over {max_bytes} bytes")
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or "unknown"
            width, height = img.size
            img.draft("RGB", (64, 64))  # JPEG: decode at reduced scale, much faster
            thumb = img.convert("RGB").resize(THUMB, Image.Resampling.BILINEAR).tobytes()
    except Exception as exc:  # Pillow raises many types for junk input
        return FetchFailure(
            "not_an_image", f"input is not a readable image ({exc.__class__.__name__})"
        )
    return InputImage(width, height, fmt, len(data), thumb)


@cache
def sample_bytes(name: str) -> tuple[bytes, str]:
    """(bytes, content type) of a hosted sample, drawn deterministically."""
    if name == NOT_AN_IMAGE:
        return b"this is not an image\n", "text/plain; charset=utf-8"
    width, height, fmt, ctype = SAMPLES[name]
    img = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(img)
    for y in range(0, height, 8):  # vertical sky-to-ground gradient, cheap to draw
        t = y / height
        draw.rectangle(
            (0, y, width, y + 8), fill=(int(60 + 150 * t), int(120 + 60 * t), 220 - int(160 * t))
        )
    seed = sum(map(ord, name))
    for i in range(6):
        x = (seed * (i + 3) * 97) % width
        y = (seed * (i + 5) * 53) % height
        r = min(width, height) // (6 + i)
        draw.ellipse(
            (x - r, y - r, x + r, y + r), fill=((seed * (i + 1)) % 256, 90 + 20 * i, 40 * i % 256)
        )
    out = io.BytesIO()
    img.save(out, format=fmt, quality=85)
    return out.getvalue(), ctype


@lru_cache(maxsize=64)
def sample_outcome(name: str, max_bytes: int) -> FetchOutcome:
    """What fetching the hosted sample `name` gives, without HTTP."""
    if name not in SAMPLES and name != NOT_AN_IMAGE:
        return FetchFailure("image_unreachable", "input image URL answered 404")
    return decode_image(sample_bytes(name)[0], max_bytes)


class LocalImageSource:
    """Resolves sample URLs on `base_url` at once; other URLs go to `external` (or fail).

    `external(url)` returns an outcome, or None when that URL is unreachable.
    """

    def __init__(
        self,
        base_url: str,
        *,
        max_bytes: int,
        external: Callable[[str], FetchOutcome | None] | None = None,
    ) -> None:
        self.prefix = sample_url(base_url, "")
        self.max_bytes = max_bytes
        self.external = external

    def local(self, url: str) -> FetchOutcome | None:
        """The outcome for a URL this server hosts, or None if it is not one of ours."""
        if not url.startswith(self.prefix):
            return None
        return sample_outcome(url[len(self.prefix) :], self.max_bytes)

    def start(self, url: str) -> PendingImage:
        found = self.local(url)
        if found is None and self.external is not None:
            found = self.external(url)
        if found is None:
            found = FetchFailure("image_unreachable", "input image URL could not be fetched")
        return Resolved(found)
