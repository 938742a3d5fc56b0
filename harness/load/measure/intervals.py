"""Job-level figures as intervals (docs/metrics.md): what a polled History can and cannot tell.

A client never sees a transition, only two polls that disagree, so every figure is an
interval [lower, upper]; its point value is the midpoint and its width the detection bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.client.records import History
from harness.client.vocabulary import Phase

__all__ = ["Interval", "JobTimes", "job_times"]


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float

    def __post_init__(self) -> None:
        if self.upper < self.lower:
            raise ValueError(f"interval upper {self.upper} < lower {self.lower}")

    @property
    def point(self) -> float:
        return (self.lower + self.upper) / 2

    @property
    def width(self) -> float:
        return self.upper - self.lower

    def contains(self, value: float, slack: float = 0.0) -> bool:
        return self.lower - slack <= value <= self.upper + slack

    def minus(self, other: Interval) -> Interval:
        """Every difference a - b with a in self and b in other, floored at zero."""
        return Interval(max(0.0, self.lower - other.upper), max(0.0, self.upper - other.lower))


@dataclass(frozen=True)
class JobTimes:
    """Epoch-time intervals of a job's creation, start and end, and the durations between."""

    created: Interval
    started: Interval | None
    finished: Interval | None

    @property
    def queue_wait(self) -> Interval | None:
        return None if self.started is None else self.started.minus(self.created)

    @property
    def run_time(self) -> Interval | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished.minus(self.started)

    @property
    def end_to_end(self) -> Interval | None:
        return None if self.finished is None else self.finished.minus(self.created)

    @property
    def detection_delay(self) -> Interval | None:
        """Seen-terminal minus true-terminal: somewhere in [0, width of the finish interval]."""
        return None if self.finished is None else Interval(0.0, self.finished.width)


def _crossing(history: History, at_least: Phase) -> Interval | None:
    """When the job first ranked at `at_least`: from the last read before it to the first at it."""
    first = history.first_poll(at_least=at_least)
    if first is None:
        return None
    lower = history.submit_sent
    for poll in history.polls[:first]:
        if poll.status is not None:
            lower = poll.sent_at
    return Interval(lower, history.polls[first].received_at)


def job_times(history: History) -> JobTimes:
    created = Interval(history.submit_sent, history.submit_acked)
    finished = _crossing(history, Phase.DONE)  # DONE's rank is every terminal phase's
    started = _crossing(history, Phase.RUNNING)
    if finished is not None and history.final_phase is Phase.CANCELLED:
        started = None  # a cancelled job never ran (or we cannot tell when)
    return JobTimes(created, started, finished)
