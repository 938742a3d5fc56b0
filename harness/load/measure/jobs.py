"""One record per submitted job: what the run intended, sent and saw, and its bucket."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from harness.client.records import History, JobStatus, Poll
from harness.client.timestamps import parse_stamp, server_duration
from harness.client.vocabulary import Phase
from harness.load.measure.accounting import Bucket
from harness.load.measure.intervals import Interval, job_times

__all__ = ["CancelRecord", "JobRecord", "bucket_of"]


@dataclass
class CancelRecord:
    """A cancel the scenario sent: when, in which state it believed the job was, and the answer."""

    moment: str
    state_before: str  # last status seen before the cancel ('submitted' if none yet)
    sent_at: float
    http_status: int
    outcome: str | None  # 'cancelled' | 'not_cancellable' | None (no usable answer)
    second_outcome: str | None = None  # the 'twice' moment's repeated cancel


@dataclass
class JobRecord:
    """A load job: the client's own `History` of it (polls, not copied), plus what the load run
    adds: its schedule, its bucket, its cancel, the rule violations its reads showed."""

    scenario: str
    policy: str
    intended_at: float
    submit_sent: float
    submit_acked: float
    request_id: str | None = None
    history: History | None = None  # None: the submit got no request_id
    outcome: str = Bucket.LOST.value
    final_status: str | None = None
    call_bytes_sent: int = 0  # submit, result and cancel calls (the polls' are in `history`)
    call_bytes_received: int = 0
    cancel: CancelRecord | None = None
    cleanup: str | None = None  # outcome of the run-end cancel of a job still queued
    violations: list[str] = field(default_factory=list)
    reject_reason: str | None = None
    error: str | None = None  # why the flow stopped following the job early (e.g. HTTP 404)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    # The server's own timestamps from /result, raw as sent and parsed to epoch seconds when
    # they parse: reported next to the client's figures, never in their place (docs/metrics.md).
    result_read: bool = False
    server_created_at: Any = None
    server_finished_at: Any = None
    server_created: float | None = None
    server_finished: float | None = None
    warmup: bool = False  # set aside by --warmup: accounted for, kept out of figures and gates
    worker: str | None = None  # the Locust worker that ran it (distributed runs)

    @property
    def schedule_lag(self) -> float:
        return max(0.0, self.submit_sent - self.intended_at)

    @property
    def polls(self) -> list[Poll]:
        return [] if self.history is None else self.history.polls

    @property
    def wasted_polls(self) -> int:
        return 0 if self.history is None else self.history.wasted_polls

    @property
    def bytes_sent(self) -> int:
        return self.call_bytes_sent + sum(p.bytes_sent for p in self.polls)

    @property
    def bytes_received(self) -> int:
        return self.call_bytes_received + sum(p.bytes_received for p in self.polls)

    def _first_seen(self, phase: Phase, *, exact: bool) -> float | None:
        if self.history is None:
            return None
        index = self.history.first_poll(at_least=phase)
        if index is None or (exact and self.polls[index].phase is not phase):
            return None
        return self.polls[index].received_at

    @property
    def first_running_seen(self) -> float | None:
        return self._first_seen(Phase.RUNNING, exact=True)

    @property
    def terminal_seen(self) -> float | None:
        return self._first_seen(Phase.DONE, exact=False)

    def interval(self, name: str) -> Interval | None:
        pair = self.intervals.get(name)
        return None if pair is None else Interval(*pair)

    def note_result(self, data: dict[str, Any]) -> None:
        """Keep what a /result answer said about the server's own clock."""
        self.result_read = True
        self.server_created_at = data.get("created_at")
        self.server_finished_at = data.get("finished_at")
        self.server_created = parse_stamp(self.server_created_at).epoch
        self.server_finished = parse_stamp(self.server_finished_at).epoch

    @property
    def server_end_to_end(self) -> tuple[float, float] | None:
        """finished_at - created_at on the server's clock, and its resolution."""
        if not self.result_read:
            return None
        start = parse_stamp(self.server_created_at)
        return server_duration(start, parse_stamp(self.server_finished_at))

    def fill_from(self, history: History) -> None:
        """Wrap the client's `history` (its polls are not copied) and derive the intervals."""
        self.history = history
        self.settle()

    def settle(self) -> None:
        """Derive the intervals (docs/metrics.md) from the history as it stands."""
        if self.history is None:
            return
        times = job_times(self.history)
        named = {
            "queue_wait": times.queue_wait,
            "run_time": times.run_time,
            "end_to_end": times.end_to_end,
            "detection_delay": times.detection_delay,
            "started": times.started,
            "finished": times.finished,
        }
        self.intervals = {k: (v.lower, v.upper) for k, v in named.items() if v is not None}

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "history"}
        data["cancel"] = None if self.cancel is None else asdict(self.cancel)
        data["polls"] = [_poll_row(p) for p in self.polls]
        for name in ("wasted_polls", "bytes_sent", "bytes_received", "schedule_lag"):
            data[name] = getattr(self, name)
        data["first_running_seen"] = self.first_running_seen
        data["terminal_seen"] = self.terminal_seen
        server = self.server_end_to_end
        data["server_end_to_end"] = None if server is None else server[0]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRecord:
        names = {f.name for f in fields(cls)} - {"history"}
        values = {k: v for k, v in data.items() if k in names}
        cancel = values.get("cancel")
        if isinstance(cancel, dict):
            values["cancel"] = CancelRecord(**cancel)
        values["intervals"] = {k: tuple(v) for k, v in values.get("intervals", {}).items()}
        rec = cls(**values)
        request_id = values.get("request_id")
        if request_id is not None:
            rec.history = History(request_id, rec.submit_sent, rec.submit_acked)
            rec.history.intended_at, rec.history.policy = rec.intended_at, rec.policy
            rec.history.polls = [_poll_of(request_id, row) for row in data.get("polls", [])]
        return rec


def _poll_row(poll: Poll) -> list[Any]:
    """A poll as it travels and is reported: [sent, received, status, error, bytes sent,
    bytes received, queue position]."""
    status = poll.status
    return [
        poll.sent_at,
        poll.received_at,
        None if status is None else status.status,
        poll.error,
        poll.bytes_sent,
        poll.bytes_received,
        None if status is None else status.queue_position,
    ]


def _poll_of(request_id: str, row: list[Any]) -> Poll:
    sent, received, word, error, bytes_sent, bytes_received, position = row
    status = None
    if word is not None:
        raw = {"request_id": request_id, "status": word, "queue_position": position}
        status = JobStatus(request_id, word, position, raw)
    return Poll(sent, received, status, error, bytes_sent, bytes_received)


def bucket_of(final: Phase | None) -> Bucket:
    """The bucket of a job whose last seen phase is `final` (None: never terminal)."""
    if final in (Phase.SUCCEEDED, Phase.DONE):
        return Bucket.COMPLETED
    if final is Phase.FAILED:
        return Bucket.FAILED
    if final is Phase.CANCELLED:
        return Bucket.CANCELLED
    return Bucket.LOST
