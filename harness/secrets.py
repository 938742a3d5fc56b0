"""Tokens that never show: not in a repr, a log line, an exception or a report."""

from __future__ import annotations

import os
import re

__all__ = ["REDACTED", "TOKEN_ENV", "Token", "redact_text"]

TOKEN_ENV = "RUNCOMFY_API_TOKEN"
REDACTED = "<redacted>"
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s\"',]+")


class Token:
    """A bearer token. Only `reveal()` gives the text, and only the client calls it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not value or not value.strip():
            raise ValueError("empty token")
        self._value = value.strip()

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
        """`text` with this token (and any bearer credential) replaced."""
        return redact_text(text.replace(self._value, REDACTED))

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
