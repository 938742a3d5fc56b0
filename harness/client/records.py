"""Typed records of the API's answers and of a polled job's observed history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.client.vocabulary import Phase, phase_of

__all__ = ["CancelAck", "History", "JobResult", "JobStatus", "Poll", "RunOutcome", "SubmitAck"]


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class SubmitAck:
    request_id: str
    status_url: str | None
    result_url: str | None
    cancel_url: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> SubmitAck:
        return cls(
            request_id=str(data["request_id"]),
            status_url=_str(data, "status_url"),
            result_url=_str(data, "result_url"),
            cancel_url=_str(data, "cancel_url"),
            raw=data,
        )


@dataclass(frozen=True)
class JobStatus:
    request_id: str
    status: str
    queue_position: int | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> JobStatus:
        position = data.get("queue_position")
        return cls(
            request_id=str(data.get("request_id", "")),
            status=str(data.get("status", "")),
            queue_position=position if isinstance(position, int) else None,
            raw=data,
        )

    @property
    def phase(self) -> Phase:
        return phase_of(self.status)


@dataclass(frozen=True)
class JobResult:
    request_id: str
    status: str
    output: dict[str, Any] | None
    error: Any
    created_at: str | None
    finished_at: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> JobResult:
        output = data.get("output")
        return cls(
            request_id=str(data.get("request_id", "")),
            status=str(data.get("status", "")),
            output=output if isinstance(output, dict) else None,
            error=data.get("error"),
            created_at=_str(data, "created_at"),
            finished_at=_str(data, "finished_at"),
            raw=data,
        )

    @property
    def phase(self) -> Phase:
        return phase_of(self.status)

    @property
    def image_url(self) -> str | None:
        """The edited picture: `output.image`, else the first of `output.images`."""
        if not self.output:
            return None
        image = self.output.get("image")
        if isinstance(image, str):
            return image
        images = self.output.get("images")
        if isinstance(images, list) and images and isinstance(images[0], str):
            return images[0]
        return None


@dataclass(frozen=True)
class CancelAck:
    request_id: str
    status: str | None
    outcome: str | None
    raw: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> CancelAck:
        return cls(
            request_id=str(data.get("request_id", "")),
            status=_str(data, "status"),
            outcome=_str(data, "outcome"),
            raw=data,
        )

    @property
    def cancelled(self) -> bool:
        return self.outcome == "cancelled"


@dataclass(frozen=True)
class Poll:
    """One status read: the server saw `status` somewhere in [sent_at, received_at]."""

    sent_at: float
    received_at: float
    status: JobStatus | None
    error: str | None = None
    bytes_sent: int = 0
    bytes_received: int = 0

    @property
    def phase(self) -> Phase:
        return Phase.UNKNOWN if self.status is None else self.status.phase


@dataclass
class History:
    """Everything the client saw of one job, on one clock (docs/metrics.md)."""

    request_id: str
    submit_sent: float
    submit_acked: float
    polls: list[Poll] = field(default_factory=list)
    intended_at: float | None = None
    policy: str = ""

    @property
    def last(self) -> Poll | None:
        return self.polls[-1] if self.polls else None

    @property
    def terminal(self) -> bool:
        return self.last is not None and self.last.phase.terminal

    @property
    def final_phase(self) -> Phase:
        seen = [p for p in self.polls if p.status is not None]
        return seen[-1].phase if seen else Phase.QUEUED

    def first_poll(self, *, at_least: Phase) -> int | None:
        """Index of the first poll whose phase ranks at or past `at_least`."""
        for index, poll in enumerate(self.polls):
            if poll.status is not None and poll.phase.rank >= at_least.rank:
                return index
        return None

    @property
    def wasted_polls(self) -> int:
        """Polls that saw the same state as the poll before them."""
        wasted, previous = 0, None
        for poll in self.polls:
            state = None if poll.status is None else poll.status.status
            wasted += state is not None and state == previous
            previous = state
        return wasted


@dataclass(frozen=True)
class RunOutcome:
    """submit + wait + result."""

    ack: SubmitAck
    history: History
    result: JobResult | None
