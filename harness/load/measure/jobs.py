"""One record per submitted job: what the run intended, sent and saw, and its bucket."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.client.records import History
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
    scenario: str
    policy: str
    intended_at: float
    submit_sent: float
    submit_acked: float
    request_id: str | None = None
    outcome: str = Bucket.LOST.value
    final_status: str | None = None
    first_running_seen: float | None = None
    terminal_seen: float | None = None
    polls: list[tuple[float, float, str | None]] = field(default_factory=list)
    wasted_polls: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    cancel: CancelRecord | None = None
    cleanup: str | None = None  # outcome of the run-end cancel of a job still queued
    violations: list[str] = field(default_factory=list)
    reject_reason: str | None = None
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    # The server's own timestamps from /result, raw as sent and parsed to epoch seconds when
    # they parse: reported next to the client's figures, never in their place (docs/metrics.md).
    result_read: bool = False
    server_created_at: Any = None
    server_finished_at: Any = None
    server_created: float | None = None
    server_finished: float | None = None
    warmup: bool = False  # set aside by --warmup: accounted for, kept out of figures and gates

    @property
    def schedule_lag(self) -> float:
        return max(0.0, self.submit_sent - self.intended_at)

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
        """Copy the polls and derive the intervals (docs/metrics.md) from a finished history."""
        self.polls = [
            (p.sent_at, p.received_at, p.status.status if p.status else p.error)
            for p in history.polls
        ]
        self.wasted_polls = history.wasted_polls
        self.bytes_sent += sum(p.bytes_sent for p in history.polls)
        self.bytes_received += sum(p.bytes_received for p in history.polls)
        running = history.first_poll(at_least=Phase.RUNNING)
        if running is not None and history.polls[running].phase is Phase.RUNNING:
            self.first_running_seen = history.polls[running].received_at
        done = history.first_poll(at_least=Phase.DONE)
        if done is not None:
            self.terminal_seen = history.polls[done].received_at
        times = job_times(history)
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
        data = asdict(self)
        data["schedule_lag"] = self.schedule_lag
        server = self.server_end_to_end
        data["server_end_to_end"] = None if server is None else server[0]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobRecord:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        cancel = fields.get("cancel")
        if isinstance(cancel, dict):
            fields["cancel"] = CancelRecord(**cancel)
        fields["polls"] = [tuple(p) for p in fields.get("polls", [])]
        fields["intervals"] = {k: tuple(v) for k, v in fields.get("intervals", {}).items()}
        return cls(**fields)


def bucket_of(final: Phase | None) -> Bucket:
    """The bucket of a job whose last seen phase is `final` (None: never terminal)."""
    if final in (Phase.SUCCEEDED, Phase.DONE):
        return Bucket.COMPLETED
    if final is Phase.FAILED:
        return Bucket.FAILED
    if final is Phase.CANCELLED:
        return Bucket.CANCELLED
    return Bucket.LOST
