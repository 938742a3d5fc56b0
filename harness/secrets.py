"""Tokens that never show: not in a repr, a log line, an exception or a report.

Every `Token` made in this process registers its value, so `scrub` can remove it from anything
a server sends back (a body, a header, an error message that echoes it) without the caller
having to know which token was used. Evidence and error constructors call `scrub` where data
enters, so nothing downstream (console, JSON, JUnit, HTML) has to remember to.
"""

from __future__ import annotations

import json
import os
import re
import threading
from urllib.parse import quote

__all__ = [
    "MIN_SECRET_CHARS",
    "REDACTED",
    "TOKEN_ENV",
    "Token",
    "redact_text",
    "register_secret",
    "registry_generation",
    "scrub",
    "scrub_bytes",
]

TOKEN_ENV = "RUNCOMFY_API_TOKEN"
REDACTED = "<redacted>"
MIN_SECRET_CHARS = 8  # shorter values are not registered: scrubbing them would mangle text
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',]+")


class _Known:
    """Every registered secret, in each spelling a server may echo, longest first (a spelling
    that contains another goes first), as text and as UTF-8: ordered once per registration,
    not for every answer scrubbed."""

    def __init__(self) -> None:
        self.spellings: set[str] = set()
        self.text: tuple[str, ...] = ()
        self.raw: tuple[bytes, ...] = ()
        self.generation = 0  # bumped on each registration: what was scrubbed before may not be
        self.lock = threading.Lock()

    def add(self, value: str) -> None:
        with self.lock:
            self.spellings.update(_spellings(value))
            self.text = tuple(sorted(self.spellings, key=len, reverse=True))
            self.raw = tuple(secret.encode() for secret in self.text)
            self.generation += 1


def _spellings(value: str) -> set[str]:
    """The value as sent, percent-encoded, and JSON-escaped: how an echo may carry it."""
    return {value, quote(value, safe=""), json.dumps(value)[1:-1]}


_KNOWN = _Known()


def register_secret(value: str) -> None:
    """Scrub `value` from everything `scrub` sees from now on (long enough values only)."""
    if len(value) >= MIN_SECRET_CHARS:
        _KNOWN.add(value)


def registry_generation() -> int:
    """Changes whenever a secret is registered: text scrubbed under an older generation may
    still hold the new secret, so a cache of scrubbed text must be keyed by it."""
    return _KNOWN.generation


def scrub(text: str, *, clipped: bool = False) -> str:
    """`text` with every registered secret, and any `Bearer <credential>`, replaced.

    `clipped`: the text was cut short (a body over its cap), so it may end with the first part
    of a secret; that tail goes too, so no prefix of a token survives a clip."""
    if not text:
        return text
    for secret in _KNOWN.text:  # one C-level search each; a spelling equal to another is one entry
        if secret in text:
            text = text.replace(secret, REDACTED)
        if clipped:
            text = _drop_partial_tail(text, secret)
    return redact_text(text)


def _drop_partial_tail(text: str, secret: str) -> str:
    for size in range(min(len(secret) - 1, len(text)), MIN_SECRET_CHARS // 2 - 1, -1):
        if text.endswith(secret[:size]):
            return text[:-size] + REDACTED
    return text


def scrub_bytes(content: bytes, *, clipped: bool = False) -> bytes:
    """`content` with every registered secret (as UTF-8) replaced; other bytes untouched.
    `clipped`: as for `scrub`, a trailing first part of a secret goes too."""
    for raw in _KNOWN.raw:
        if raw in content:
            content = content.replace(raw, REDACTED.encode())
        if clipped:
            content = _drop_partial_tail_bytes(content, raw)
    return content


def _drop_partial_tail_bytes(content: bytes, secret: bytes) -> bytes:
    for size in range(min(len(secret) - 1, len(content)), MIN_SECRET_CHARS // 2 - 1, -1):
        if content.endswith(secret[:size]):
            return content[:-size] + REDACTED.encode()
    return content


class Token:
    """A bearer token. Only `reveal()` gives the text, and only the client calls it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value or not value.strip():
            raise ValueError("empty token")
        self._value = value.strip()
        register_secret(self._value)

    @classmethod
    def from_env_or(cls, value: str | Token | None, env: str = TOKEN_ENV) -> Token | None:
        """`value` if given, else the environment variable, else None."""
        if isinstance(value, Token):
            return value
        text = value if value else os.environ.get(env, "")
        return cls(text) if text.strip() else None

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """`text` with this token (and every other registered secret) replaced."""
        return scrub(text.replace(self._value, REDACTED))

    def __repr__(self) -> str:
        return f"Token({REDACTED})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Token", self._value))

    def __reduce__(self) -> str:  # refuse pickling: it would carry the secret
        raise TypeError("a Token cannot be pickled")


def redact_text(text: str) -> str:
    """Replace any `Bearer <credential>` in free text."""
    return _BEARER.sub(lambda m: m.group(1) + REDACTED, text)
