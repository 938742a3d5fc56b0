"""Polling with an injected clock: no real sleeping, exact timings."""

from __future__ import annotations

import asyncio
import random

import httpx
import pytest
import respx

from harness.client import AsyncClient, Client, ExponentialBackoff, FixedInterval, parse_policy
from harness.clock import VirtualClock
from harness.errors import JobTimeout

from .conftest import BASE, TOKEN, status_body, submit_body

INPUT = {"image_url": "https://example.com/a.jpg", "prompt": "p"}


def scripted(states: list[str]) -> list[httpx.Response]:
    return [
        httpx.Response(200, json=status_body("r1", s, 0 if s == "in_queue" else None))
        for s in states
    ]


def test_fixed_interval_history(
    client: Client, router: respx.MockRouter, clock: VirtualClock
) -> None:
    router.get("/v1/requests/r1/status").mock(
        side_effect=scripted(["in_queue", "in_progress", "completed"])
    )
    start = clock.now()
    history = client.wait("r1", FixedInterval(2.0), timeout=60)
    assert [p.status.status for p in history.polls if p.status] == [
        "in_queue",
        "in_progress",
        "completed",
    ]
    assert [p.sent_at - start for p in history.polls] == [2.0, 4.0, 6.0]
    assert history.terminal
    assert history.policy == "fixed 2s"
    assert history.wasted_polls == 0


def test_wait_times_out_with_history(
    client: Client, router: respx.MockRouter, clock: VirtualClock
) -> None:
    router.get("/v1/requests/r1/status").respond(200, json=status_body("r1", "in_queue", 3))
    with pytest.raises(JobTimeout) as caught:
        client.wait("r1", FixedInterval(1.0), timeout=5)
    history = caught.value.history
    assert len(history.polls) == 5
    assert history.wasted_polls == 4
    lost = client.wait("r1", FixedInterval(1.0), timeout=5, raise_on_timeout=False)
    assert not lost.terminal


def test_backoff_delays_grow_and_cap() -> None:
    delays = ExponentialBackoff(1.0, 2.0, 5.0).delays()
    assert [next(delays) for _ in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_backoff_jitter_stays_in_band() -> None:
    policy = ExponentialBackoff(1.0, 1.5, 10.0, jitter=0.2, rng=random.Random(7))
    delays = policy.delays()
    base = [1.0, 1.5, 2.25, 3.375]
    for expected in base:
        assert expected * 0.8 <= next(delays) <= expected * 1.2


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("2", "fixed 2s"),
        ("fixed:0.5", "fixed 0.5s"),
        ("backoff:5,1.5,45", "backoff 5s x1.5 cap 45s"),
    ],
)
def test_parse_policy(text: str, name: str) -> None:
    assert parse_policy(text).name == name


@pytest.mark.parametrize("text", ["zero", "fixed:-1", "backoff:1", "backoff:1,0.5,3", "magic:1"])
def test_parse_policy_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="bad poll policy"):
        parse_policy(text)


def test_run_is_submit_wait_result(client: Client, router: respx.MockRouter) -> None:
    router.post("/v1/models/nvidia/chrono-edit/lora").respond(200, json=submit_body("r1"))
    router.get("/v1/requests/r1/status").mock(side_effect=scripted(["in_progress", "completed"]))
    router.get("/v1/requests/r1/result").respond(
        200,
        json={
            "request_id": "r1",
            "status": "succeeded",
            "output": {"image": "https://c.test/x.jpg"},
        },
    )
    outcome = client.run(INPUT, FixedInterval(1.0), timeout=30)
    assert outcome.result is not None
    assert outcome.result.image_url == "https://c.test/x.jpg"
    assert (
        outcome.history.submit_sent
        <= outcome.history.submit_acked
        <= outcome.history.polls[0].sent_at
    )


def test_async_client_same_flow() -> None:
    clock = VirtualClock()

    async def flow() -> list[str]:
        async with httpx.AsyncClient() as http:
            client = AsyncClient(BASE, TOKEN, http=http, clock=clock)
            ack, history = await client.submit_timed(INPUT)
            await client.wait(history, FixedInterval(3.0), timeout=60)
            result = await client.result(ack.request_id)
            return [p.status.status for p in history.polls if p.status] + [result.status]

    with respx.mock(base_url=BASE) as router:
        router.post("/v1/models/nvidia/chrono-edit/lora").respond(200, json=submit_body("r1"))
        router.get("/v1/requests/r1/status").mock(side_effect=scripted(["in_queue", "completed"]))
        router.get("/v1/requests/r1/result").respond(
            200, json={"request_id": "r1", "status": "failed"}
        )
        assert asyncio.run(flow()) == ["in_queue", "completed", "failed"]
    assert clock.now() == VirtualClock().now() + 6.0
