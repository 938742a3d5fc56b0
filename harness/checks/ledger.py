"""The job budget: every job a run creates is counted, kept with its origin and final state."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["JobEntry", "JobLedger"]


@dataclass
class JobEntry:
    request_id: str
    origin: str  # which part of the run created it (workload, invalid-input, auth, ...)
    state: str = "unknown"  # the last state the run knows of (a status word, or why not)
    cancel: str | None = None  # the outcome of the run's cancel, when it sent one
    reads: int = 0  # status and result reads of this job
    last_read: str | None = None  # when the last of them was sent (UTC, ISO 8601)


@dataclass
class JobLedger:
    max_jobs: int
    entries: list[JobEntry] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.entries)

    @property
    def remaining(self) -> int:
        return max(0, self.max_jobs - self.created)

    def can_create(self, n: int = 1) -> bool:
        return self.remaining >= n

    def add(self, request_id: str, origin: str, state: str = "unknown") -> JobEntry:
        entry = JobEntry(request_id, origin, state)
        self.entries.append(entry)
        return entry

    def get(self, request_id: str) -> JobEntry | None:
        return next((e for e in self.entries if e.request_id == request_id), None)

    def set_state(self, request_id: str, state: str) -> None:
        for entry in self.entries:
            if entry.request_id == request_id:
                entry.state = state
