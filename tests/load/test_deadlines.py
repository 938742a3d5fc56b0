"""The load driver's request deadlines (gevent, no Locust): a request past its deadline gets its
own exception, one that left in time is never struck, and a stale strike never hits the next
request of the same greenlet."""

from __future__ import annotations

import gevent
import pytest

from harness.load.swarm.deadlines import Deadline, Deadlines


def _request(deadlines: Deadlines, seconds: float, takes: float) -> tuple[str, bool]:
    """A request armed for `seconds` that blocks for `takes`: how it ended, and whether the
    exception was the one armed for it."""
    late = deadlines.arm(seconds)
    try:
        gevent.sleep(takes)
        return "answered", False
    except Deadline as hit:
        return "deadline", hit is late
    finally:
        deadlines.disarm()


def test_a_request_past_its_deadline_gets_its_own_exception_within_a_tick() -> None:
    deadlines = Deadlines(tick=0.02)
    started = gevent.get_hub().loop.now()
    worker = gevent.spawn(_request, deadlines, 0.05, 5.0)
    assert worker.get(timeout=2) == ("deadline", True)
    elapsed = gevent.get_hub().loop.now() - started
    assert 0.05 <= elapsed < 1.0  # not the 5 s the request would have taken


def test_a_request_that_ends_in_time_is_never_struck() -> None:
    deadlines = Deadlines(tick=0.01)

    def two_steps() -> tuple[tuple[str, bool], str]:
        first = _request(deadlines, 0.05, 0.0)
        gevent.sleep(0.15)  # well past the first deadline, outside any request
        return first, "slept on"

    assert gevent.spawn(two_steps).get(timeout=2) == (("answered", False), "slept on")


def test_many_requests_each_keep_their_own_deadline() -> None:
    deadlines = Deadlines(tick=0.01)
    quick = [gevent.spawn(_request, deadlines, 1.0, 0.02) for _ in range(5)]
    slow = [gevent.spawn(_request, deadlines, 0.05, 5.0) for _ in range(5)]
    gevent.joinall(quick + slow, timeout=3)
    assert [g.value for g in quick] == [("answered", False)] * 5
    assert [g.value for g in slow] == [("deadline", True)] * 5


def test_a_stale_strike_spares_the_greenlets_next_request() -> None:
    """The sweep saw request 1 late, but the greenlet re-armed for request 2 before the hub
    ran the strike: request 2 must not be hit."""
    deadlines = Deadlines(tick=10.0)  # no sweep interferes; the strike is called by hand
    seen: list[object] = []

    def two_requests() -> str:
        deadlines.arm(0.0)
        stale = deadlines._armed[gevent.getcurrent()]
        deadlines.disarm()
        deadlines.arm(5.0)
        seen.append(stale)
        gevent.sleep(0.1)  # suspended in request 2 when the stale strike runs
        deadlines.disarm()
        return "request 2 answered"

    worker = gevent.spawn(two_requests)
    gevent.sleep(0.01)
    deadlines._strike(worker, seen[0])  # type: ignore[arg-type]
    assert worker.get(timeout=2) == "request 2 answered"


def test_the_sweeper_ends_when_nothing_is_armed() -> None:
    deadlines = Deadlines(tick=0.01)
    assert gevent.spawn(_request, deadlines, 1.0, 0.0).get(timeout=2) == ("answered", False)
    sweeper = deadlines._sweeper
    assert sweeper is not None
    sweeper.join(timeout=1)
    assert sweeper.dead


@pytest.mark.parametrize("tick", [0.01, 0.05])
def test_a_deadline_strikes_at_most_a_tick_late(tick: float) -> None:
    deadlines = Deadlines(tick=tick)
    loop = gevent.get_hub().loop

    def timed() -> float:
        loop.update_now()
        start = loop.now()
        _request(deadlines, 0.03, 5.0)
        loop.update_now()
        return float(loop.now() - start)

    elapsed = gevent.spawn(timed).get(timeout=2)
    assert 0.03 <= elapsed < 0.03 + tick + 0.5  # the 0.5: a loaded machine's scheduling
