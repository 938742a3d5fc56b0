"""Total deadlines for many in-flight requests, kept by one sweeping greenlet.

A gevent `Timeout` per request arms and cancels a libev timer each time: on a status poll
that is a few microseconds, about 5% of the load generator's work per poll. Here a request
only enters and leaves a dict; one greenlet looks every `tick` seconds and throws the request's
own exception into each greenlet past its deadline. A deadline therefore strikes up to `tick`
late, which is nothing beside the seconds a request is given.

The throw happens from the hub (as gevent's own timeouts do), and only if the greenlet is
still inside the very request that was armed: one that finished in between is left alone.
"""

from __future__ import annotations

import time
from typing import Any

import gevent

__all__ = ["Deadline", "Deadlines"]


class Deadline(gevent.GreenletExit):  # type: ignore[misc]
    """A request's total deadline. A GreenletExit, because geventhttpclient retries on any
    other exception (a plain exception would be swallowed and the request sent again)."""


class Deadlines:
    """Arm on entering a request, disarm on leaving it (`with deadlines.arm(seconds) as late`
    is not used: the hot path stays two dict operations)."""

    def __init__(self, tick: float = 0.05) -> None:
        self.tick = tick
        self._armed: dict[Any, tuple[float, Deadline]] = {}  # greenlet: (end, its exception)
        self._sweeper: gevent.Greenlet | None = None

    def arm(self, seconds: float) -> Deadline:
        """The exception the current greenlet gets if it is still armed after `seconds`."""
        late = Deadline()
        self._armed[gevent.getcurrent()] = (time.monotonic() + seconds, late)
        if self._sweeper is None or self._sweeper.dead:
            self._sweeper = gevent.spawn(self._sweep)
        return late

    def disarm(self) -> None:
        self._armed.pop(gevent.getcurrent(), None)

    def _sweep(self) -> None:
        loop = gevent.get_hub().loop
        while self._armed:
            gevent.sleep(self.tick)
            now = time.monotonic()
            for holder, entry in list(self._armed.items()):
                if entry[0] <= now:
                    loop.run_callback(self._strike, holder, entry)

    def _strike(self, holder: Any, entry: tuple[float, Deadline]) -> None:
        """Runs in the hub: the holder is suspended, and is thrown its deadline only if it has
        not left (or re-armed) the request since the sweep saw it late."""
        if self._armed.get(holder) is entry and not holder.dead:
            del self._armed[holder]
            holder.throw(entry[1])
