"""What a run's detection intervals prove about the server's parallelism and saturation.

A poll never sees a transition, only an interval around it, so a job is *certainly* queued
between its acknowledged submit and the last poll that still saw it queued, *certainly* running
between the first poll that saw it running and the last one before it ended, and *possibly*
running over the wider span. In a FIFO queue a job waits only while every server is busy, so
at any moment a job is certainly queued the number of servers lies between the jobs certainly
running and the jobs possibly running. A poll-interval's worth of apparent waiting proves
nothing: only certain waiting counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.load.measure.intervals import Interval
from harness.load.measure.quantiles import rank as quantile_rank

__all__ = ["Evidence", "Span", "gather", "quantile_bracket"]

# A standing queue: jobs certainly waiting over at least this share of the arrival window...
STANDING_SHARE = 0.5
# ...while the servers, all busy, finished jobs this much slower than they arrived.
PLATEAU_BELOW = 0.95
MIN_PLATEAU_FINISHES = 10


@dataclass(frozen=True)
class Span:
    """One accepted job as the client saw it: when it was created, started and finished."""

    created: Interval
    started: Interval | None = None
    finished: Interval | None = None


@dataclass(frozen=True)
class Evidence:
    jobs: int
    window: float  # first to last submit, seconds
    peak_running: int  # most jobs certainly running at once, anywhere in the run
    queued_time: float  # seconds with at least one job certainly queued
    busy_low: int  # most jobs certainly running while one was certainly queued (0: never)
    busy_high: int | None  # fewest possibly running while one was certainly queued (and
    # at least as many as were seen running: fewer means a dispatch delay, not full servers)
    busy_finishes: int  # jobs that finished while one was certainly queued

    @property
    def offered_rate(self) -> float | None:
        return (self.jobs - 1) / self.window if self.jobs > 1 and self.window > 0 else None

    @property
    def queued_share(self) -> float:
        return min(1.0, self.queued_time / self.window) if self.window > 0 else 0.0

    @property
    def plateau_rate(self) -> float | None:
        """Completions per second while every server was busy (None: too few to say)."""
        if self.busy_finishes < MIN_PLATEAU_FINISHES or self.queued_time <= 0:
            return None
        return self.busy_finishes / self.queued_time

    @property
    def saturated(self) -> bool:
        """A standing queue over a sustained part of the run while throughput stayed below
        the offered rate: the run offered more than the server can take."""
        offered, plateau = self.offered_rate, self.plateau_rate
        if offered is None or plateau is None:
            return False
        return self.queued_share >= STANDING_SHARE and plateau < PLATEAU_BELOW * offered

    @property
    def servers_low(self) -> int:
        """The server count can be no lower than this: jobs were seen running at once."""
        return max(self.peak_running, self.busy_low)

    @property
    def servers_pinned(self) -> bool:
        return self.busy_high is not None and self.busy_high == self.servers_low


def _events(spans: Sequence[Span]) -> list[tuple[float, int, int, int, int]]:
    """(time, queued delta, certainly-running delta, possibly-running delta, finishes)."""
    events: list[tuple[float, int, int, int, int]] = []
    for job in spans:
        start, end = job.started, job.finished
        queued_until = start.lower if start is not None else None
        if queued_until is not None and queued_until > job.created.upper:
            events += [(job.created.upper, 1, 0, 0, 0), (queued_until, -1, 0, 0, 0)]
        if start is None:
            continue
        if end is not None and start.upper < end.lower:
            events += [(start.upper, 0, 1, 0, 0), (end.lower, 0, -1, 0, 0)]
        events.append((start.lower, 0, 0, 1, 0))
        if end is not None:
            events += [(end.upper, 0, 0, -1, 0), (end.point, 0, 0, 0, 1)]
    events.sort()
    return events


def gather(spans: Sequence[Span]) -> Evidence:
    """One sweep over every job's intervals."""
    events = _events(spans)
    queued = certain = possible = peak = busy_low = busy_finishes = 0
    seen: set[int] = set()  # counts of jobs possibly running while one was certainly queued
    queued_time = 0.0
    i = 0
    while i < len(events):
        t = events[i][0]
        while i < len(events) and events[i][0] == t:  # every change at this instant first
            _, dq, dc, dp, fin = events[i]
            if queued > 0 and fin:
                busy_finishes += fin
            queued, certain, possible = queued + dq, certain + dc, possible + dp
            i += 1
        peak = max(peak, certain)
        if queued > 0 and i < len(events):
            queued_time += events[i][0] - t
            busy_low = max(busy_low, certain)
            seen.add(possible)
    submits = [job.created.lower for job in spans]
    window = max(submits) - min(submits) if submits else 0.0
    # A job can wait with servers idle (a dispatch delay): such moments, with fewer jobs
    # possibly running than were seen running at once, prove nothing about the count.
    floor = max(peak, busy_low)
    busy_high = min((p for p in seen if p >= floor), default=None)
    return Evidence(len(spans), window, peak, queued_time, busy_low, busy_high, busy_finishes)


def quantile_bracket(waits: Sequence[Interval], q: float) -> tuple[float, float]:
    """Bounds on the q-quantile of the true waits: every true wait lies in its interval, so
    the quantile of the lower ends and of the upper ends bracket the true quantile."""
    if not waits:
        raise ValueError("no waits")
    index = quantile_rank(q, len(waits)) - 1  # the project's one quantile rule
    return (
        sorted(w.lower for w in waits)[index],
        sorted(w.upper for w in waits)[index],
    )
