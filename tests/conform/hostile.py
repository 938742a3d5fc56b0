"""Hostile and unusual servers for the conformance tests: the mock, its answers rewritten.

`HostileMock(rewrite)` is the respx mock of the API (virtual clock) whose every answer goes
through `rewrite(request, response) -> response` before the client sees it. Each rewrite
below is one behaviour: a job stuck at the head of the queue (a contract fault: it never
finishes), or a conformant but unusual habit the checks must not blame.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import httpx

from harness.mock import MockApi

__all__ = [
    "Busy",
    "Gzipped",
    "HostileMock",
    "Rewrite",
    "StuckAtHead",
    "extra_fields",
    "other_4xx",
    "via_cdn",
]

Rewrite = Callable[[httpx.Request, httpx.Response], httpx.Response]


Before = Callable[[httpx.Request], httpx.Request | httpx.Response]


class HostileMock(MockApi):
    """`before(request)` may answer at once (the API never sees the request) or hand on a
    request (possibly another one); `rewrite` then changes the API's answer."""

    def __init__(
        self, rewrite: Rewrite | None = None, before: Before | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.rewrite = rewrite
        self.before = before

    def _respond(self, request: httpx.Request) -> httpx.Response:
        if self.before is not None:
            step = self.before(request)
            if isinstance(step, httpx.Response):
                return step
            request = step
        response = super()._respond(request)
        return response if self.rewrite is None else self.rewrite(request, response)


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


class Gzipped:
    """Every answer gzip-compressed (Content-Encoding: gzip), as many gateways do; `count`
    says how many were (the client decodes them, so its evidence shows the plain body)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        headers = dict(response.headers)
        headers["content-encoding"] = "gzip"
        headers.pop("content-length", None)
        self.count += 1
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


def other_4xx(request: httpx.Request, response: httpx.Response) -> httpx.Response:
    """Another 4xx where the contract allows any: 400 for invalid input (not 422), 403 for a
    refused token (not 401), each with an error_code that matches it."""
    swap = {422: 400, 401: 403}
    if response.status_code not in swap:
        return response
    status = swap[response.status_code]
    body = response.json()
    body["error_code"] = status * 1000 + 1
    return _json(response, body, status)


class Busy:
    """Every `every`-th API call is answered 429 (JSON) or 503 (a gateway's HTML page) before
    the API sees it: "not now", nothing done."""

    def __init__(self, every: int = 7) -> None:
        self.every = every
        self.calls = 0

    def __call__(self, request: httpx.Request) -> httpx.Request | httpx.Response:
        if not request.url.path.startswith("/v1/"):
            return request
        self.calls += 1
        if self.calls % self.every:
            return request
        if self.calls % (2 * self.every):
            body = {"error_code": 429001, "error_message": "RateLimited: slow down"}
            return httpx.Response(429, json=body, headers={"retry-after": "0"})
        page = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
        return httpx.Response(503, content=page, headers={"content-type": "text/html"})


def via_cdn(request: httpx.Request) -> httpx.Request | httpx.Response:
    """Output images behind a redirect: /files/X answers 302 to /cdn/X, which serves it."""
    path = request.url.path
    if path.startswith("/files/"):
        location = str(request.url.copy_with(path="/cdn/" + path[len("/files/") :]))
        return httpx.Response(302, headers={"location": location})
    if path.startswith("/cdn/"):
        url = request.url.copy_with(path="/files/" + path[len("/cdn/") :])
        return httpx.Request(request.method, url, headers=request.headers)
    return request
