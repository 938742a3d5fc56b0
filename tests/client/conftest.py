from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from harness.client import Client, RetryPolicy
from harness.clock import VirtualClock

BASE = "https://api.test"
TOKEN = "tok-SECRET-123"


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def client(router: respx.MockRouter, clock: VirtualClock) -> Iterator[Client]:
    http = httpx.Client()
    yield Client(BASE, TOKEN, http=http, clock=clock, retry=RetryPolicy(attempts=3))
    http.close()


def status_body(rid: str, status: str, position: int | None = None) -> dict[str, object]:
    body: dict[str, object] = {
        "request_id": rid,
        "status": status,
        "status_url": f"{BASE}/v1/requests/{rid}/status",
        "result_url": f"{BASE}/v1/requests/{rid}/result",
    }
    if position is not None:
        body["queue_position"] = position
    return body


def submit_body(rid: str) -> dict[str, str]:
    return {
        "request_id": rid,
        "status_url": f"{BASE}/v1/requests/{rid}/status",
        "result_url": f"{BASE}/v1/requests/{rid}/result",
        "cancel_url": f"{BASE}/v1/requests/{rid}/cancel",
    }
