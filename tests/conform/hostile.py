"""Hostile and unusual servers for the conformance tests: the mock, its answers rewritten.

`HostileMock(rewrite)` is the respx mock of the API (virtual clock) whose every answer goes
through `rewrite(request, response) -> response` before the client sees it. Each rewrite
below is one behaviour: a job stuck at the head of the queue (a contract fault: it never
finishes), or a conformant but unusual habit the checks must not blame.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from typing import Any

import httpx

from harness.mock import MockApi

__all__ = ["HostileMock", "Rewrite", "StuckAtHead"]

Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


class HostileMock(MockApi):
    def __init__(self, rewrite: Rewrite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rewrite = rewrite

    def _respond(self, request: httpx.Request) -> httpx.Response:
        return self.rewrite(request, super()._respond(request))


def _json(response: httpx.Response, payload: Any, status: int | None = None) -> httpx.Response:
    headers = {"content-type": "application/json"}
    return httpx.Response(status or response.status_code, headers=headers, json=payload)


def _request_id(request: httpx.Request) -> str | None:
    parts = request.url.path.split("/")  # ['', 'v1', 'requests', id, action]
    return parts[3] if len(parts) == 5 and parts[2] == "requests" else None


class StuckAtHead:
    """The `nth` job submitted (0-based) sits at queue_position 0 forever, on /status and
    /result; the server still runs it (and every other job) as usual behind the scenes."""

    def __init__(self, nth: int) -> None:
        self.nth = nth
        self.submitted: list[str] = []

    @property
    def stuck(self) -> str | None:
        return self.submitted[self.nth] if len(self.submitted) > self.nth else None

    def __call__(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        path = request.url.path
        if path.startswith("/v1/models/") and response.status_code == 200:
            self.submitted.append(response.json()["request_id"])
            return response
        rid = _request_id(request)
        if rid is None or rid != self.stuck or response.status_code >= 300:
            return response
        body = response.json()
        action = path.rsplit("/", 1)[-1]
        if action == "status":
            body.update(status="in_queue", queue_position=0)
        elif action == "result":
            body.update(status="in_queue", finished_at=None)
            body.pop("output", None)
        else:
            body.update(status="in_queue", outcome="not_cancellable")
        return _json(response, body)


def gzipped(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """Every answer gzip-compressed (Content-Encoding: gzip), as many gateways do."""
    headers = dict(response.headers)
    headers["content-encoding"] = "gzip"
    headers.pop("content-length", None)
    body = gzip.compress(response.content)
    return httpx.Response(response.status_code, headers=headers, content=body)


def extra_fields(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """JSON answers carry fields the contract does not name."""
    if "json" not in response.headers.get("content-type", ""):
        return response
    body = response.json()
    if isinstance(body, dict):
        body["x_trace_id"] = "t-1"
        body["server_version"] = {"build": 7}
    return _json(response, body)


def json_dumps(payload: Any) -> bytes:
    return json.dumps(payload).encode()
