"""The run's submit budget (`--max-jobs`), held by Locust's master and lent to its workers.

Nothing is shared on disk: the master's `BudgetLedger` grants permits in small batches over
Locust's messages; a worker's `GrantedPermits` spends them one submit at a time and asks for the
next batch before its pool runs dry. The ledger never grants more than the total, so the run
never exceeds it, however many workers ask; what a worker was granted and never reported is
what the report counts as unaccounted if that worker dies. No Locust here (gevent only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gevent.event import Event

__all__ = ["BudgetLedger", "GrantedPermits"]


@dataclass
class BudgetLedger:
    """Master: permits granted so far, per worker; never more than `total` in all."""

    total: int
    granted: dict[str, int] = field(default_factory=dict)

    @property
    def left(self) -> int:
        return self.total - sum(self.granted.values())

    def grant(self, worker: str, wanted: int) -> int:
        """Permits for `worker` now: at most `wanted`, never past the total (0: spent)."""
        given = max(0, min(wanted, self.left))
        self.granted[worker] = self.granted.get(worker, 0) + given
        return given


class GrantedPermits:
    """Worker: the permits its master granted, spent one per submit.

    `ask(n)` sends a request for n more to the master; `granted(n)` is called when the answer
    arrives (0: the budget is spent). `take` blocks (a greenlet) while a request is pending.
    """

    def __init__(self, ask: Callable[[int], None], batch: int) -> None:
        self.ask, self.batch = ask, max(1, batch)
        self.pool = 0  # permits in hand
        self.received = 0  # permits granted to this worker in all
        self.used = 0
        self.spent = False  # the master said the budget is spent
        self._pending = False
        self._answer = Event()

    def take(self) -> bool:
        """One more submit allowed?"""
        self._ask_ahead()
        while self.pool == 0 and not self.spent:
            self._answer.clear()
            self._ask_ahead()
            self._answer.wait()
        if self.pool == 0:
            return False
        self.pool -= 1
        self.used += 1
        self._ask_ahead()
        return True

    def granted(self, count: int) -> None:
        self._pending = False
        self.pool += count
        self.received += count
        if count == 0:
            self.spent = True
        self._answer.set()

    def _ask_ahead(self) -> None:
        """Ask for the next batch once the pool is down to half a batch."""
        if not self._pending and not self.spent and self.pool * 2 <= self.batch:
            self._pending = True
            self.ask(self.batch)

    def close(self) -> None:
        """The run's end: no more submits; a greenlet waiting in `take` gets False."""
        self.spent = True
        self._answer.set()
