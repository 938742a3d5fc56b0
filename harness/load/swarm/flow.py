"""One job's whole flow (submit, poll with a policy, result; or cancel at a chosen moment).

Sans-IO in the sense that matters here: the transport, clock and sleep are injected, so the
same flow runs under Locust (gevent, FastHttpSession) and in plain tests (httpx).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from harness.client.policies import PollPolicy
from harness.client.protocol import Call
from harness.client.records import CancelAck, History, JobStatus, Poll
from harness.client.vocabulary import Phase, phase_of
from harness.client.waiting import Waiter
from harness.load.measure.accounting import Bucket
from harness.load.measure.jobs import CancelRecord, JobRecord, bucket_of

__all__ = ["Answer", "CancelMoment", "FlowSettings", "JobFlow", "Transport"]


@dataclass(frozen=True)
class Answer:
    """One HTTP exchange as the flow needs it; status 0 means no response at all."""

    status: int
    body: bytes
    sent_at: float
    received_at: float
    bytes_sent: int = 0
    error: str | None = None

    def json(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.body)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None


class Transport(Protocol):
    def __call__(self, call: Call) -> Answer: ...


class CancelMoment(StrEnum):
    AFTER_SUBMIT = "after_submit"
    WHILE_QUEUED = "while_queued"
    WHILE_RUNNING = "while_running"
    AFTER_COMPLETION = "after_completion"
    TWICE = "twice"


@dataclass(frozen=True)
class FlowSettings:
    scenario: str
    policy: PollPolicy
    timeout: float = 600.0
    cancel: CancelMoment | None = None
    fetch_result: bool = True


class JobFlow:
    """Runs one job; `history` and `record` stay readable if the run abandons it midway."""

    def __init__(
        self,
        send: Transport,
        sleep: Callable[[float], None],
        now: Callable[[], float],
        settings: FlowSettings,
        *,
        deadline: float = float("inf"),
    ) -> None:
        self.send, self.sleep, self.now = send, sleep, now
        self.settings = settings
        self.deadline = deadline
        self.history: History | None = None
        self.record: JobRecord | None = None
        self.submitting = False  # a submit is on the wire: the run's end must wait for its answer

    def run(self, body: Any, intended_at: float) -> JobRecord:
        s = self.settings
        now = self.now()
        rec = self.record = JobRecord(s.scenario, s.policy.name, intended_at, now, now)
        self.submitting = True
        try:
            ans = self.send(Call.submit(body))
        finally:
            self.submitting = False
        rec.submit_sent, rec.submit_acked = ans.sent_at, ans.received_at
        rec.bytes_sent += ans.bytes_sent
        rec.bytes_received += len(ans.body)
        data = ans.json()
        if not 200 <= ans.status < 300 or not data or not isinstance(data.get("request_id"), str):
            rec.outcome = Bucket.REJECTED.value
            rec.reject_reason = ans.error or f"HTTP {ans.status}"
            return rec
        rec.request_id = data["request_id"]
        history = self.history = History(rec.request_id, ans.sent_at, ans.received_at)
        history.intended_at, history.policy = intended_at, s.policy.name
        if s.cancel in (CancelMoment.AFTER_SUBMIT, CancelMoment.TWICE):
            self._cancel(rec, "submitted", twice=s.cancel is CancelMoment.TWICE)
        timeout = max(0.0, min(s.timeout, self.deadline - ans.received_at))
        waiter = Waiter(history, s.policy, timeout)
        status_call = Call.on_request("status", rec.request_id)  # the same on every poll
        while (pause := waiter.next_sleep(self.now())) is not None:
            self.sleep(pause)
            poll = self._poll(status_call)
            waiter.record(poll)
            if rec.cancel is None and (
                (s.cancel is CancelMoment.WHILE_QUEUED and poll.phase is Phase.QUEUED)
                or (s.cancel is CancelMoment.WHILE_RUNNING and poll.phase is Phase.RUNNING)
            ):
                self._cancel(rec, poll.status.status if poll.status else "unknown")
        final: Phase | None = history.final_phase if history.terminal else None
        if final is not None and s.cancel is CancelMoment.AFTER_COMPLETION:
            self._cancel(rec, final.value)
            history.polls.append(self._poll(status_call))  # a terminal state must stay put
        if final is Phase.DONE and s.fetch_result:
            final = self._result_phase(rec, rec.request_id) or final
        rec.fill_from(history)
        rec.final_status = final.value if final else None
        rec.outcome = bucket_of(final).value
        rec.violations.extend(_violations(rec, history))
        return rec

    def _poll(self, status_call: Call) -> Poll:
        ans = self.send(status_call)
        data = ans.json()
        status = JobStatus.parse(data) if 200 <= ans.status < 300 and data else None
        error = None if status else (ans.error or f"HTTP {ans.status}")
        return Poll(ans.sent_at, ans.received_at, status, error, ans.bytes_sent, len(ans.body))

    def _result_phase(self, rec: JobRecord, request_id: str) -> Phase | None:
        ans = self.send(Call.on_request("result", request_id))
        rec.bytes_sent += ans.bytes_sent
        rec.bytes_received += len(ans.body)
        data = ans.json()
        if data and 200 <= ans.status < 300:
            rec.note_result(data)
        phase = phase_of(str(data.get("status"))) if data else Phase.UNKNOWN
        return phase if phase.terminal else None

    def _cancel(self, rec: JobRecord, state_before: str, *, twice: bool = False) -> None:
        assert rec.request_id is not None
        outcomes: list[str | None] = []
        first_ans: Answer | None = None
        for _ in range(2 if twice else 1):
            ans = self.send(Call.on_request("cancel", rec.request_id))
            first_ans = first_ans or ans
            rec.bytes_sent += ans.bytes_sent
            rec.bytes_received += len(ans.body)
            outcomes.append(CancelAck.parse(ans.json() or {}).outcome)
        assert first_ans is not None
        rec.cancel = CancelRecord(
            moment=(self.settings.cancel or CancelMoment.AFTER_SUBMIT).value,
            state_before=state_before,
            sent_at=first_ans.sent_at,
            http_status=first_ans.status,
            outcome=outcomes[0],
            second_outcome=outcomes[1] if twice else None,
        )

    def abandon(self) -> JobRecord | None:
        """The record of a job the run stopped following, with what was seen so far: lost,
        unless a poll had already seen it finish (its bucket is then the one it reached)."""
        rec = self.record
        if rec is None or rec.outcome != Bucket.LOST.value or rec.request_id is None:
            return rec
        if self.history is not None:
            rec.fill_from(self.history)
            if self.history.terminal:  # seen finished, then killed reading /result or cancelling
                final = self.history.final_phase
                rec.final_status, rec.outcome = final.value, bucket_of(final).value
            rec.violations.extend(_violations(rec, self.history))
        return rec


def _violations(rec: JobRecord, history: History) -> list[str]:
    """Definite inconsistencies only; races a client cannot rule out are not counted."""
    found: list[str] = []
    seen = [(p.sent_at, p.phase, p.status.status) for p in history.polls if p.status is not None]
    for (_, phase_a, word_a), (_, phase_b, word_b) in itertools.pairwise(seen):
        if phase_b.rank < phase_a.rank:
            found.append(f"state went back: {word_a} -> {word_b}")
            break
        if phase_a.terminal and word_b != word_a:
            found.append(f"terminal state changed: {word_a} -> {word_b}")
            break
    cancel = rec.cancel
    if cancel is None:
        return found
    after_cancel = [(phase, word) for sent, phase, word in seen if sent > cancel.sent_at]
    # phases, not words: `canceled` is cancelled too, and any word past the queue means it ran
    ran = [word for phase, word in after_cancel if phase.rank >= 1 and phase is not Phase.CANCELLED]
    said_cancelled = "cancelled" in (cancel.outcome, cancel.second_outcome)
    if said_cancelled and ran:
        found.append(f"reported cancelled, later seen {ran[0]}")
    if said_cancelled and cancel.state_before in ("completed", "succeeded", "failed", "done"):
        found.append("a finished job's cancel answered 'cancelled'")
    refused = cancel.outcome == "not_cancellable" and cancel.second_outcome != "cancelled"
    if refused and any(phase is Phase.CANCELLED for phase, _ in after_cancel):
        found.append("cancel refused, yet the job ended cancelled")
    if cancel.outcome is not None and cancel.outcome not in ("cancelled", "not_cancellable"):
        found.append(f"cancel outcome {cancel.outcome!r} is not a documented word")
    return found
