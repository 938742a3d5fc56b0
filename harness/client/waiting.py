"""The polling loop's decisions, without I/O, shared by the sync and async clients."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from harness.client.policies import PollPolicy
from harness.client.records import History, Poll

__all__ = ["Waiter"]


@dataclass
class Waiter:
    """Says how long to sleep before each poll, and when to give up.

    The deadline counts from the submit's acknowledgement: a job that reaches no terminal state
    by then is *lost* for the run (docs/metrics.md), and the caller decides whether that raises.
    """

    history: History
    policy: PollPolicy
    timeout: float
    _delays: Iterator[float] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._delays = self.policy.delays()
        if not self.history.policy:
            self.history.policy = self.policy.name

    @property
    def deadline(self) -> float:
        return self.history.submit_acked + self.timeout

    def next_sleep(self, now: float) -> float | None:
        """Seconds to sleep before the next poll, or None when the job is done or out of time."""
        if self.history.terminal:
            return None
        delay = next(self._delays)
        if now >= self.deadline:
            return None
        return min(delay, self.deadline - now)

    def record(self, poll: Poll) -> None:
        self.history.polls.append(poll)
