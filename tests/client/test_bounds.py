"""Every call is bounded in bytes and wall-clock time, whatever the server does.

The pure reader (`read_capped`) is pinned on fake chunks and a fake clock; the drivers run
against the hostile servers of `tests/hostile` (real HTTP on loopback), counting the requests
the server saw rather than timing them wherever a count proves the point.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Iterator

import anyio
import httpx
import pytest
import respx

from harness.checks.transport import transport_counts
from harness.client import AsyncClient, Client, FixedInterval, RetryPolicy
from harness.client.bounds import Bounds, Cut, read_capped
from harness.client.transport import bounded_http_client
from harness.emulator import EmulatorServer
from harness.errors import ApiError, SchemaViolation, TransportError
from harness.evidence import Exchange
from harness.model import ModelConfig, ServiceTimes
from tests.hostile.servers import HostileServer

TOKEN = "bounds-SECRET-token-77aa"
SLOW_QUEUE = ModelConfig(tokens=(TOKEN,), workers=1, times=ServiceTimes(time_per_step=5.0))


# -- the pure reader ------------------------------------------------------------------------
class Ticks:
    """A clock that moves one second per reading."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        self.t += 1.0
        return self.t


def test_a_whole_body_is_kept_whole() -> None:
    body = read_capped([b"ab", b"cd"], limit=10, deadline=100, now=Ticks())
    assert (body.content, body.received, body.cut) == (b"abcd", 4, None)
    assert body.whole
    assert body.note(10, 1.0) is None


def test_a_body_over_the_cap_keeps_exactly_the_cap() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 7

    body = read_capped(endless(), limit=10, deadline=1e9, now=Ticks())
    assert body.content == b"x" * 10
    assert body.received == 14  # stopped at the chunk that passed the cap
    assert body.cut is Cut.CAP
    assert "10-byte cap" in (body.note(10, 1.0) or "")


def test_a_body_at_exactly_the_cap_is_whole() -> None:
    body = read_capped([b"x" * 5, b"y" * 5], limit=10, deadline=1e9, now=Ticks())
    assert (body.content, body.cut) == (b"x" * 5 + b"y" * 5, None)


def test_a_trickle_is_cut_at_the_deadline() -> None:
    body = read_capped((b"a" for _ in range(100)), limit=1000, deadline=3.5, now=Ticks())
    assert body.cut is Cut.DEADLINE
    assert body.content == b"aaaa"  # the clock read after the 4th chunk (4.0) is past 3.5
    assert "2 s request deadline" in (body.note(1000, 2.0) or "")


@pytest.mark.parametrize(
    "bad",
    [
        {"request_timeout": 0},
        {"cleanup_timeout": -1},
        {"max_body_bytes": 0},
        {"max_image_bytes": 0},
        {"max_redirects": -1},
    ],
)
def test_bounds_refuse_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Bounds(**bad)  # type: ignore[arg-type]


# -- the drivers, against broken servers ------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(SLOW_QUEUE) as server:
        yield server


def _job(emulator: EmulatorServer) -> str:
    with Client(emulator.base_url, TOKEN) as client:
        return client.submit({"image_url": emulator.sample_url(), "prompt": "p"}).request_id


def _client(base_url: str, **bounds: float) -> Client:
    return Client(base_url, TOKEN, bounds=Bounds(**bounds), retry=RetryPolicy(attempts=4))  # type: ignore[arg-type]


@pytest.mark.live
def test_a_hanging_read_is_tried_once_within_its_deadline(emulator: EmulatorServer) -> None:
    rid = _job(emulator)
    with (
        HostileServer("hang_status", emulator) as bad,
        _client(bad.base_url, request_timeout=0.5) as client,
    ):
        seen: list[object] = []
        client.listeners.append(seen.append)
        with pytest.raises(
            TransportError, match=r"no answer within the 0\.5 s request deadline"
        ) as caught:
            client.status(rid)
        assert caught.value.timed_out
        # a retry would get a fresh 0.5 s deadline: the four tries would take 2 s
        assert bad.requests(f"/v1/requests/{rid}/status") == 1
        assert len(seen) == 1


def _read_status(driver: str, base_url: str, rid: str) -> None:
    if driver == "sync":
        with _client(base_url, request_timeout=1.0) as client:
            client.status(rid)
        return

    async def read() -> None:
        async with AsyncClient(base_url, TOKEN, bounds=Bounds(request_timeout=1.0)) as aclient:
            await aclient.status(rid)

    anyio.run(read)


@pytest.mark.live
@pytest.mark.parametrize("driver", ["sync", "async"])
def test_a_trickled_answer_hits_the_total_deadline(emulator: EmulatorServer, driver: str) -> None:
    """A byte every 0.3 s keeps every socket read (timeout 1 s) alive; only a total deadline
    ends it."""
    rid = _job(emulator)
    with HostileServer("trickle_status", emulator) as bad:
        bad.trickle_seconds = 0.3
        started = time.monotonic()
        with pytest.raises(TransportError, match="deadline"):
            _read_status(driver, bad.base_url, rid)
        # the answer is ~300 bytes: trickled whole it takes a minute and a half
        assert time.monotonic() - started < 10  # its headers alone take 20 s


@pytest.mark.live
@pytest.mark.parametrize("fault", ["huge_status", "endless_status"])
def test_an_oversized_answer_is_cut_at_the_cap_and_judged(
    emulator: EmulatorServer, fault: str
) -> None:
    rid = _job(emulator)
    with (
        HostileServer(fault, emulator) as bad,
        Client(bad.base_url, TOKEN, bounds=Bounds(max_body_bytes=256 * 1024)) as client,
    ):
        seen: list[Exchange] = []
        client.listeners.append(seen.append)
        tracemalloc.start()
        try:
            with pytest.raises(SchemaViolation, match="not JSON"):
                client.status(rid)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert peak < 32 * 1024 * 1024  # the server sends 200 MB, or without end
    (exchange,) = seen
    assert exchange.status_code == 200
    assert (exchange.error or "").startswith("BodyTooLarge: answer over the 262144-byte cap")
    assert len(exchange.response_body) < 4100  # evidence keeps a clipped copy
    # and the transport check reports it beside the lost calls
    assert transport_counts(seen) == {"status": {"cut (BodyTooLarge)": 1}}


@pytest.mark.live
def test_a_redirect_on_status_is_an_error_not_a_quiet_poll(emulator: EmulatorServer) -> None:
    rid = _job(emulator)
    with HostileServer("redirect_status", emulator) as bad, _client(bad.base_url) as client:
        with pytest.raises(ApiError, match="HTTP 302: redirected to") as caught:
            client.wait(rid, FixedInterval(0.05), timeout=30)
        assert caught.value.status_code == 302
        assert bad.requests(f"/v1/requests/{rid}/status") == 1  # not followed, not re-polled


@pytest.mark.live
def test_wait_ends_within_its_timeout_plus_one_poll(emulator: EmulatorServer) -> None:
    rid = _job(emulator)
    with (
        HostileServer("hang_status", emulator) as bad,
        _client(bad.base_url, request_timeout=30) as client,
    ):
        started = time.monotonic()
        history = client.wait(rid, FixedInterval(0.1), timeout=1.0, raise_on_timeout=False)
        took = time.monotonic() - started
    assert not history.terminal
    assert history.polls
    assert all(p.error for p in history.polls)
    assert took < 1.0 + 1.0 + 10  # the timeout, one MIN_POLL_SECONDS, slack; not 30 s


def test_the_owned_http_client_never_follows_redirects() -> None:
    with bounded_http_client() as http:
        assert http.follow_redirects is False


def test_chunks_of_reads_a_file_like_body_to_its_end() -> None:
    import io

    from harness.client.bounds import chunks_of

    stream = io.BytesIO(b"x" * 10)
    assert list(chunks_of(stream.read, 4)) == [b"xxxx", b"xxxx", b"xx"]
    capped = read_capped(chunks_of(io.BytesIO(b"y" * 100).read, 8), 20, 1e9, Ticks())
    assert (capped.content, capped.cut) == (b"y" * 20, Cut.CAP)


@pytest.mark.parametrize(
    ("failure", "sends"),
    [(httpx.ReadTimeout("hung"), 1), (httpx.ConnectError("refused"), 4)],
)
def test_a_probe_is_not_resent_after_its_deadline_was_spent(failure: Exception, sends: int) -> None:
    """Probes are re-sent on no answer, but a hang already spent a whole deadline."""
    from harness.checks import CheckContext, JobLedger, Observations
    from harness.client import Call
    from harness.clock import VirtualClock

    with respx.mock(base_url="https://api.test") as mock, httpx.Client() as http:
        route = mock.post("/v1/requests/r1/cancel").mock(side_effect=failure)
        client = Client("https://api.test", TOKEN, http=http, clock=VirtualClock())
        ctx = CheckContext(Observations(), client, JobLedger(1), "https://img.test/a.png")
        with pytest.raises(TransportError) as caught:
            ctx.probe(Call.on_request("cancel", "r1"))
    assert caught.value.timed_out is isinstance(failure, httpx.TimeoutException)
    assert route.call_count == sends
