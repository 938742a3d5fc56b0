"""Sans-IO request/response values exchanged between a face (ASGI, respx) and the model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JSON_CONTENT_TYPE", "HttpRequest", "HttpResponse", "json_response"]

JSON_CONTENT_TYPE = "application/json"


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """One HTTP request. `headers` keys are lower-case; `base_url` has no trailing slash."""

    method: str
    path: str
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = "http://127.0.0.1"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """One HTTP answer. `drop` asks the face to close the connection instead of answering."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    drop: bool = False

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def json(self) -> Any:
        return json.loads(self.body)


def json_response(
    status: int, payload: Any, *, content_type: str = JSON_CONTENT_TYPE
) -> HttpResponse:
    body = json.dumps(payload, separators=(",", ":")).encode()
    return HttpResponse(status, (("content-type", content_type),), body)
