"""The server's own timestamps (`created_at`, `finished_at` on `/result`), read as given.

The contract documents them only as strings; their format is OBSERVE. A stamp is kept raw and,
when it parses, also as epoch seconds with the resolution it was written at (a stamp written to
the millisecond is only good to a millisecond). Nothing here judges: the caller reports the
server's figures next to its own, never in their place (docs/metrics.md).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = ["Stamp", "StampForm", "parse_stamp", "server_duration"]

# Epoch numbers above this are milliseconds (1e11 s is the year 5138).
_MS_EPOCH = 1e11
_ISO = re.compile(
    r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?P<sec>:\d{2}(?:[.,](?P<frac>\d+))?)?"
    r"(?P<zone>Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_NUMBER = re.compile(r"^[+-]?\d+(?:\.(?P<frac>\d+))?$")


class StampForm(StrEnum):
    ISO_Z = "iso8601_utc_z"  # 2026-01-01T00:00:00.123Z
    ISO_OFFSET = "iso8601_offset"  # 2026-01-01T01:00:00+01:00 (+00:00 included)
    ISO_NAIVE = "iso8601_no_zone"  # read as UTC
    EPOCH = "epoch"  # a JSON number, or a numeric string (seconds, or milliseconds if huge)
    NULL = "null"  # absent or null
    OTHER = "other"  # none of the above: kept raw, not parsed


@dataclass(frozen=True)
class Stamp:
    raw: Any
    form: StampForm
    epoch: float | None = None  # seconds since 1970 UTC, when it parsed
    resolution: float = 0.0  # the stamp's own quantum in seconds (0.001 for milliseconds)

    @property
    def parsed(self) -> bool:
        return self.epoch is not None

    @property
    def unparseable(self) -> bool:
        """Present but not understood (null is not unparseable: it says "not yet")."""
        return self.form is StampForm.OTHER


def _digits_resolution(frac: str | None) -> float:
    return 10.0 ** -len(frac) if frac else 1.0


def _epoch(raw: Any, value: float, frac: str | None) -> Stamp:
    if not math.isfinite(value):
        return Stamp(raw, StampForm.OTHER)
    resolution = _digits_resolution(frac)
    if abs(value) >= _MS_EPOCH:
        value, resolution = value / 1000, resolution / 1000
    return Stamp(raw, StampForm.EPOCH, value, resolution)


def _iso(text: str) -> Stamp | None:
    match = _ISO.match(text.strip())
    if match is None:
        return None
    normal = text.strip().replace(",", ".").replace(" ", "T", 1)
    zone = match.group("zone")
    if zone in ("Z", "z"):
        normal = normal[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(normal)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment, form = moment.replace(tzinfo=UTC), StampForm.ISO_NAIVE
    else:
        form = StampForm.ISO_Z if zone in ("Z", "z") else StampForm.ISO_OFFSET
    resolution = _digits_resolution(match.group("frac")) if match.group("sec") else 60.0
    return Stamp(text, form, moment.timestamp(), resolution)


def parse_stamp(value: Any) -> Stamp:
    """One timestamp as the server sent it: ISO-8601 (with Z, an offset or no zone), an epoch
    number (or numeric string), null, or something else (raw, unparsed)."""
    if value is None:
        return Stamp(None, StampForm.NULL)
    if isinstance(value, bool):
        return Stamp(value, StampForm.OTHER)
    if isinstance(value, int | float):
        frac = repr(value).partition(".")[2] if isinstance(value, float) else ""
        frac = "" if "e" in frac or frac == "0" else frac  # 1700000000.0 is to the second
        return _epoch(value, float(value), frac)
    if isinstance(value, str):
        number = _NUMBER.match(value.strip())
        if number is not None:
            return _epoch(value, float(value), number.group("frac"))
        return _iso(value) or Stamp(value, StampForm.OTHER)
    return Stamp(value, StampForm.OTHER)


def server_duration(start: Stamp, end: Stamp) -> tuple[float, float] | None:
    """`end - start` on the server's clock (no offset in a difference) and its uncertainty: the
    coarser of the two resolutions (two truncated or rounded readings differ by less)."""
    if start.epoch is None or end.epoch is None:
        return None
    return end.epoch - start.epoch, max(start.resolution, end.resolution)
