"""The API's two status vocabularies, and terminal detection across both.

`/status` says in_queue | in_progress | completed | cancelled; `/result` says succeeded | failed
where `/status` says completed. Official clients also accept `canceled`.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "RESULT_WORDS",
    "STATUS_WORDS",
    "TERMINAL_WORDS",
    "Phase",
    "is_terminal",
    "phase_of",
]

STATUS_WORDS = frozenset({"in_queue", "in_progress", "completed", "cancelled"})
RESULT_WORDS = frozenset({"succeeded", "failed", "in_queue", "in_progress", "cancelled"})
TERMINAL_WORDS = frozenset({"completed", "succeeded", "failed", "cancelled", "canceled"})


class Phase(StrEnum):
    """Where a job is, whichever endpoint said so."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"  # `/status` completed: succeeded or failed, ask `/result`
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Order along the life cycle; a job's rank never decreases."""
        return _RANK[self]

    @property
    def terminal(self) -> bool:
        return self in (Phase.DONE, Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED)


_RANK = {
    Phase.QUEUED: 0,
    Phase.RUNNING: 1,
    Phase.DONE: 2,
    Phase.SUCCEEDED: 2,
    Phase.FAILED: 2,
    Phase.CANCELLED: 2,
    Phase.UNKNOWN: -1,
}

_PHASES = {
    "in_queue": Phase.QUEUED,
    "in_progress": Phase.RUNNING,
    "completed": Phase.DONE,
    "succeeded": Phase.SUCCEEDED,
    "failed": Phase.FAILED,
    "cancelled": Phase.CANCELLED,
    "canceled": Phase.CANCELLED,
}


def phase_of(word: str | None) -> Phase:
    return _PHASES.get(word or "", Phase.UNKNOWN)


def is_terminal(word: str | None) -> bool:
    return (word or "") in TERMINAL_WORDS
