"""The client's sans-IO core: build each call's request, turn each answer into a record or error.

The synchronous and asynchronous clients share this module; they differ only in how they send.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

import httpx

from harness import schemas
from harness.errors import ApiError, SchemaViolation, api_error_for
from harness.evidence import Exchange

__all__ = [
    "DEFAULT_BASE_URL",
    "MODEL_ID",
    "Call",
    "Endpoint",
    "parse_error",
    "parse_json",
]

DEFAULT_BASE_URL = "https://model-api.runcomfy.net"
MODEL_ID = "nvidia/chrono-edit/lora"

Endpoint = Literal["submit", "status", "result", "cancel"]

_SCHEMA_OF: dict[str, str] = {
    "submit": "submit-response",
    "status": "status-response",
    "result": "result-response",
    "cancel": "cancel-response",
}
SAFE_ENDPOINTS = frozenset({"status", "result"})


@dataclass(frozen=True)
class Call:
    """One API call, ready to send."""

    endpoint: Endpoint
    method: str
    path: str
    body: Any = None
    raw_body: bytes | None = None  # sent as-is (malformed JSON tests); wins over `body`

    @property
    def safe(self) -> bool:
        return self.endpoint in SAFE_ENDPOINTS

    @classmethod
    def submit(cls, body: Any, model_id: str = MODEL_ID, raw: bytes | None = None) -> Call:
        return cls("submit", "POST", f"/v1/models/{model_id}", body=body, raw_body=raw)

    @classmethod
    def on_request(cls, endpoint: Endpoint, request_id: str) -> Call:
        method = "GET" if endpoint in SAFE_ENDPOINTS else "POST"
        return cls(endpoint, method, f"/v1/requests/{quote(request_id, safe='')}/{endpoint}")

    def build(
        self, http: httpx.Client | httpx.AsyncClient, base_url: str, headers: dict[str, str]
    ) -> httpx.Request:
        url = base_url.rstrip("/") + self.path
        if self.raw_body is not None:
            headers = {**headers, "Content-Type": "application/json"}
            return http.build_request(self.method, url, content=self.raw_body, headers=headers)
        if self.body is None:
            return http.build_request(self.method, url, headers=headers)
        return http.build_request(self.method, url, json=self.body, headers=headers)

    def interpret(
        self, response: httpx.Response, exchange: Exchange, *, strict: bool
    ) -> dict[str, Any]:
        """The answer's JSON object, or the ApiError/SchemaViolation it amounts to."""
        if not 200 <= response.status_code < 300:
            raise parse_error(response, exchange)
        data = parse_json(response, exchange)
        if strict:
            name = _SCHEMA_OF[self.endpoint]
            errors = schemas.validation_errors(name, data)
            if errors:
                raise SchemaViolation(name, errors, exchange)
        return data


def parse_json(response: httpx.Response, exchange: Exchange) -> dict[str, Any]:
    try:
        data = json.loads(response.content)
    except ValueError:
        raise SchemaViolation("json", ["response body is not JSON"], exchange) from None
    if not isinstance(data, dict):
        raise SchemaViolation("json", ["response body is not a JSON object"], exchange)
    return data


def _message(data: dict[str, Any]) -> str:
    for key in ("error_message", "message", "error", "detail"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    return "no message"


def parse_error(response: httpx.Response, exchange: Exchange) -> ApiError:
    """An ApiError for an HTTP error answer (a redirect too), whatever its body looks like."""
    if 300 <= response.status_code < 400:
        where = response.headers.get("location") or "nowhere (no Location)"
        message = f"redirected to {where}; an API call answers 2xx and is never followed"
        return ApiError(response.status_code, message, exchange=exchange)
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    if isinstance(data, dict):
        code = data.get("error_code")
        error_code = int(code) if isinstance(code, int | str) and str(code).isdigit() else None
        message, detail = _message(data), data.get("detail")
    else:
        error_code, detail = None, None
        message = response.text[:200].strip() or response.reason_phrase or "no message"
    cls = api_error_for(response.status_code, error_code)
    return cls(
        response.status_code, message, error_code=error_code, detail=detail, exchange=exchange
    )
