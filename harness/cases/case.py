"""One submit body and what the input schema says about it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

__all__ = ["Case"]


@dataclass(frozen=True)
class Case:
    """A submit body (`body`, or exact `raw` bytes) with the rule it keeps or breaks.

    `rule` names the schema keyword an invalid case breaks (`required`, `type`, `minimum`,
    `maximum`, `enum`, `object`, `json`); valid cases say `valid`. `extra` marks bodies with
    unknown fields, which a server MAY reject (the contract makes that OBSERVE, not a failure).
    """

    label: str
    valid: bool
    rule: str = "valid"
    field: str | None = None
    body: Any = None
    raw: bytes | None = None
    extra: bool = False

    def payload(self) -> bytes:
        """The exact bytes sent."""
        if self.raw is not None:
            return self.raw
        return json.dumps(self.body, ensure_ascii=False).encode("utf-8")

    def value(self, name: str, default: Any = None) -> Any:
        return self.body.get(name, default) if isinstance(self.body, dict) else default

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "label": self.label,
            "valid": self.valid,
            "rule": self.rule,
            "field": self.field,
            "extra": self.extra,
        }
        if self.raw is not None:
            data["raw"] = self.raw.decode("utf-8", errors="backslashreplace")
        else:
            data["body"] = self.body
        return data
