"""What a run saw: every API exchange, each job's reads, each cancel. Checks judge this data."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from harness.cases import Case
from harness.client.vocabulary import Phase, phase_of
from harness.evidence import Exchange

__all__ = ["CancelTry", "JobRecord", "Observations", "Read", "endpoint_of"]


def endpoint_of(exchange: Exchange) -> str | None:
    """submit | status | result | cancel for an API call, None for anything else."""
    path = exchange.url.split("://", 1)[-1].split("?", 1)[0]
    if "/v1/models/" in path:
        return "submit"
    if "/v1/requests/" in path:
        last = path.rstrip("/").rsplit("/", 1)[-1]
        return last if last in ("status", "result", "cancel") else None
    return None


@dataclass(frozen=True)
class Read:
    """One answer: HTTP status, parsed JSON body (or None), evidence, local time."""

    endpoint: str
    http_status: int
    body: Any
    exchange: Exchange
    at: float

    @classmethod
    def of(cls, endpoint: str, exchange: Exchange, at: float) -> Read:
        return cls(endpoint, exchange.status_code or 0, exchange.response_json(), exchange, at)

    @property
    def ok(self) -> bool:
        return 200 <= self.http_status < 300

    @property
    def word(self) -> str | None:
        value = self.body.get("status") if isinstance(self.body, dict) else None
        return value if isinstance(value, str) else None

    @property
    def phase(self) -> Phase:
        return phase_of(self.word) if self.ok else Phase.UNKNOWN


@dataclass
class JobRecord:
    """One job the run created, and everything read about it."""

    request_id: str
    case: Case
    submit: Read
    statuses: list[Read] = field(default_factory=list)  # polls while tracking
    pending_results: list[Read] = field(default_factory=list)  # /result before terminal
    rereads: list[Read] = field(default_factory=list)  # /status after terminal
    final_result: Read | None = None
    lost: bool = False  # read unfinished at (or after) its deadline
    spare: bool = False  # only its acceptance is judged: cancelled while queued (GPU time)
    reads: int = 0  # every status and result read of it
    last_read_at: float | None = None

    @property
    def all_statuses(self) -> list[Read]:
        return [*self.statuses, *self.rereads]

    @property
    def last_word(self) -> str | None:
        words = [r.word for r in self.all_statuses if r.ok and r.word]
        return words[-1] if words else None

    @property
    def terminal(self) -> bool:
        return phase_of(self.last_word).terminal

    def seen(self, phase: Phase) -> bool:
        return any(r.phase is phase for r in self.statuses)


@dataclass
class CancelTry:
    """A cancel (or two at once: kinds race and start) and the status read just before it."""

    request_id: str
    kind: str  # queued | running | finished | race | start | lost
    seen_before: str | None
    reads_before: int = 0  # the job's status reads when the cancel was sent
    replies: list[Read] = field(default_factory=list)
    # status reads sent at the same moment as the cancels: their order against the cancels is
    # unknown, so they are judged apart from the reads that surely came after
    concurrent: list[Read] = field(default_factory=list)
    void: str | None = None  # why it proves nothing (no answer, a transient 503, ...)

    def outcomes(self) -> list[str | None]:
        return [r.body.get("outcome") if isinstance(r.body, dict) else None for r in self.replies]


@dataclass
class Observations:
    exchanges: list[Exchange] = field(default_factory=list)
    submits: list[tuple[Case, Read]] = field(default_factory=list)  # every valid-case submit
    jobs: dict[str, JobRecord] = field(default_factory=dict)  # the workload's (probes: ledger)
    cancels: list[CancelTry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    job_timeout: float = 0.0

    _order: dict[int, int] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _foreign: set[int] = field(default_factory=set, repr=False)

    def record(self, exchange: Exchange) -> None:
        with self._lock:  # aimed races record from several threads at once
            self._order[id(exchange)] = len(self.exchanges)
            self.exchanges.append(exchange)

    def mark_foreign(self, exchanges: list[Exchange]) -> None:
        """These calls carried another token than the run's own (or none)."""
        self._foreign.update(id(e) for e in exchanges)

    def own(self, exchange: Exchange) -> bool:
        """Sent with the run's own token (a call to judge as the job owner's)."""
        return id(exchange) not in self._foreign

    def order(self, exchange: Exchange) -> int:
        """When `exchange` was recorded, as its index (clocks may stand still; order does not).
        -1 for an exchange this run did not record."""
        index = self._order.get(id(exchange), -1)
        ok = 0 <= index < len(self.exchanges) and self.exchanges[index] is exchange
        return index if ok else -1

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def api_exchanges(self, endpoint: str | None = None) -> list[Exchange]:
        found = [e for e in self.exchanges if endpoint_of(e) is not None]
        return [e for e in found if endpoint is None or endpoint_of(e) == endpoint]

    def finished_job(self) -> JobRecord | None:
        """A job of the run's own that ended (any terminal state), for probes that need an id."""
        return next((j for j in self.jobs.values() if j.terminal), None)
