"""Fair polling: every job is read on a schedule, whatever one of them does.

Each job has a due time; the next read goes to the job due first (ties: the job added first),
and a read moves that job's due time one interval on. One job may be *watched* (read on a
shorter interval, to catch the moment it starts): it is still only one job among the others,
which fall due at their own interval and so are read in turn however long the watch lasts.
No job is read past its deadline without a read *at* the deadline: the due time is capped by
it, so a job is only called lost after a read proved it unfinished at its deadline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PollSchedule"]


@dataclass
class PollSchedule:
    interval: float
    fast_interval: float
    watched: str | None = None
    _due: dict[str, float] = field(default_factory=dict)
    _deadline: dict[str, float] = field(default_factory=dict)
    _order: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.interval <= 0 or not 0 < self.fast_interval <= self.interval:
            raise ValueError("need 0 < fast_interval <= interval")

    def add(self, request_id: str, now: float, deadline: float) -> None:
        """A job to read from `now` on (at once), until `deadline`."""
        self._order.setdefault(request_id, len(self._order))
        self._deadline[request_id] = deadline
        self._due[request_id] = min(now, deadline)

    def remove(self, request_id: str) -> None:
        self._due.pop(request_id, None)
        if self.watched == request_id:
            self.watched = None

    def __contains__(self, request_id: object) -> bool:
        return request_id in self._due

    def __len__(self) -> int:
        return len(self._due)

    def next(self) -> tuple[str, float] | None:
        """(the job to read next, when it is due), or None when no job is left."""
        if not self._due:
            return None
        rid = min(self._due, key=lambda r: (self._due[r], self._order[r]))
        return rid, self._due[rid]

    def read(self, request_id: str, now: float) -> None:
        """`request_id` was just read at `now`: due again one interval on (never past its
        deadline, unless this read was already at or past it)."""
        if request_id not in self._due:
            return
        step = self.fast_interval if request_id == self.watched else self.interval
        deadline = self._deadline[request_id]
        due = now + step
        self._due[request_id] = due if now >= deadline else min(due, deadline)

    def watch(self, request_id: str | None, now: float) -> None:
        """Read `request_id` on the fast interval from now on (None: watch nothing)."""
        self.watched = request_id
        if request_id in self._due:
            self._due[request_id] = min(self._due[request_id], now + self.fast_interval)

    def past_deadline(self, request_id: str, now: float) -> bool:
        return now >= self._deadline.get(request_id, float("inf"))
