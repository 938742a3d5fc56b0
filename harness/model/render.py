"""The edited picture: the input's aspect ratio at the model's pixel area, sides multiple of 16."""

from __future__ import annotations

import hashlib
import io
import math
from collections import OrderedDict

from PIL import Image, ImageDraw

from harness.model.images import THUMB, InputImage

__all__ = ["FORMATS", "OutputCache", "output_size", "render_output"]

# output_format -> (Pillow format, file extension, content type)
FORMATS: dict[str, tuple[str, str, str]] = {
    "jpeg": ("JPEG", "jpeg", "image/jpeg"),
    "png": ("PNG", "png", "image/png"),
    "webp": ("WEBP", "webp", "image/webp"),
}
_AREA = {"480p": 480 * 832, "720p": 720 * 1280}


def output_size(width: int, height: int, resolution: str) -> tuple[int, int]:
    """16:9 -> 832x464 at 480p and 1280x720 at 720p (sides floored to multiples of 16)."""
    area = _AREA.get(resolution, _AREA["480p"])
    aspect = width / height if height else 1.0
    w = int(math.sqrt(area * aspect)) // 16 * 16
    h = int(math.sqrt(area / aspect)) // 16 * 16
    return max(16, w), max(16, h)


def render_output(
    source: InputImage, *, prompt: str, seed: int, size: tuple[int, int], image_format: str
) -> bytes:
    """A real, input-dependent image: the upscaled input, tinted and marked by prompt and seed."""
    digest = hashlib.sha256(f"{prompt}\x00{seed}".encode()).digest()
    thumb = Image.frombytes("RGB", THUMB, source.thumbnail)
    img = thumb.resize(size, Image.Resampling.BILINEAR)
    tint = Image.new("RGB", size, (digest[0], digest[1], digest[2]))
    img = Image.blend(img, tint, 0.25)
    draw = ImageDraw.Draw(img)
    w, h = size
    for i in range(3):  # the "edit": a few seeded shapes
        x, y = digest[3 + i] * w // 256, digest[6 + i] * h // 256
        r = max(4, min(w, h) // (5 + i))
        draw.rectangle((x - r, y - r // 2, x + r, y + r // 2), outline=(255, 255, 255), width=3)
    out = io.BytesIO()
    img.save(out, format=image_format, quality=85)
    return out.getvalue()


class OutputCache:
    """A small LRU of rendered files: clients download each result once or twice."""

    def __init__(self, capacity: int = 16) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, tuple[bytes, str]] = OrderedDict()

    def get(self, key: str) -> tuple[bytes, str] | None:
        item = self._items.get(key)
        if item is not None:
            self._items.move_to_end(key)
        return item

    def put(self, key: str, value: tuple[bytes, str]) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)
