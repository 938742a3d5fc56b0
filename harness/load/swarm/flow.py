"""One load job as a client flow: submit, poll with a policy, result; or cancel at a chosen moment.

Composed of `harness.client.flows` (`request_flow`, `wait_flow`): the generators the sync and
async clients drive. Locust's FastHttpSession drives it under load (`swarm.driver`); tests drive
it with the sync client's transport on the respx mock's virtual clock. The job's record wraps the
client's `History`; its violations are the check catalog's verdicts (`swarm.judge`). No Locust.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from harness.client.base import ClientSettings, Reply
from harness.client.flows import Flow, request_flow, wait_flow
from harness.client.policies import PollPolicy
from harness.client.protocol import Call
from harness.client.records import CancelAck, History, Poll
from harness.client.vocabulary import Phase, phase_of
from harness.errors import HarnessError
from harness.evidence import Exchange
from harness.load.measure.accounting import Bucket
from harness.load.measure.jobs import CancelRecord, JobRecord, bucket_of
from harness.load.swarm.judge import CancelNote, judge

__all__ = ["CancelMoment", "FlowSettings", "LoadJob", "Runner"]

Runner = Callable[[Flow[Any]], Any]  # drives a flow to its end (a driver's `run`)


class CancelMoment(StrEnum):
    AFTER_SUBMIT = "after_submit"
    WHILE_QUEUED = "while_queued"
    WHILE_RUNNING = "while_running"
    AFTER_COMPLETION = "after_completion"
    TWICE = "twice"


_TRIGGER = {CancelMoment.WHILE_QUEUED: Phase.QUEUED, CancelMoment.WHILE_RUNNING: Phase.RUNNING}


@dataclass(frozen=True)
class FlowSettings:
    scenario: str
    policy: PollPolicy
    timeout: float = 600.0
    cancel: CancelMoment | None = None
    fetch_result: bool = True


class LoadJob:
    """One job. `record` stays readable (and `abandon` finishes it) if the run kills the flow
    midway; `submitting` is true while a submit is on the wire (the server may be creating it)."""

    def __init__(
        self,
        client: ClientSettings,
        http: Any,
        settings: FlowSettings,
        *,
        intended_at: float,
        deadline: float = float("inf"),
    ) -> None:
        self.exchanges: list[Exchange] = []  # this job's, in order: the judge's evidence
        self.client = copy.copy(client)  # the shared settings, with this job's own listener
        self.client.listeners = [self._keep]
        self.http, self.settings = http, settings
        self.intended_at, self.deadline = intended_at, deadline
        self.record: JobRecord | None = None
        self.submitting = False
        self.on_accepted: Callable[[JobRecord], None] | None = None  # the server has it
        self._cancel_note: CancelNote | None = None

    def _keep(self, exchange: Exchange) -> None:
        """Keep the job's exchanges for the judge; of a run of identical status reads only the
        first and the latest (the rules see no difference; a long job's memory stays flat)."""
        kept = self.exchanges
        if len(kept) >= 2 and _same_read(kept[-1], exchange) and _same_read(kept[-2], exchange):
            kept[-1] = exchange
        else:
            kept.append(exchange)

    # -- the flow ---------------------------------------------------------------------------
    def flow(self, body: Any) -> Flow[JobRecord]:
        s, client = self.settings, self.client
        now = client.now()
        rec = self.record = JobRecord(s.scenario, s.policy.name, self.intended_at, now, now)
        self.submitting = True
        try:
            reply = yield from request_flow(client, self.http, Call.submit(body, client.model_id))
        except HarnessError as exc:  # no answer at all: the submit is refused, not retried
            rec.outcome, rec.reject_reason = Bucket.REJECTED.value, str(exc)
            return rec
        finally:
            self.submitting = False
        rec.submit_sent, rec.submit_acked = reply.sent_at, reply.received_at
        self._count(rec, reply)
        data = reply.json()
        request_id = data.get("request_id") if isinstance(data, dict) else None
        if not 200 <= reply.response.status_code < 300 or not isinstance(request_id, str):
            rec.outcome = Bucket.REJECTED.value
            rec.reject_reason = f"HTTP {reply.response.status_code}"
            return rec
        rec.request_id = request_id
        if self.on_accepted is not None:
            self.on_accepted(rec)
        history = rec.history = History(request_id, reply.sent_at, reply.received_at)
        history.intended_at, history.policy = self.intended_at, s.policy.name
        if s.cancel in (CancelMoment.AFTER_SUBMIT, CancelMoment.TWICE):
            yield from self._cancel("submitted", twice=s.cancel is CancelMoment.TWICE)
        try:
            yield from self._poll(history)
        except HarnessError as exc:  # a status read failed for good (e.g. HTTP 404)
            rec.error = str(exc)
        final: Phase | None = history.final_phase if history.terminal else None
        if final is not None and s.cancel is CancelMoment.AFTER_COMPLETION:
            yield from self._cancel(final.value)
            history.polls.append((yield from self._status(request_id)))  # must stay put
        if final is Phase.DONE and s.fetch_result:
            final = (yield from self._result(rec, request_id)) or final
        self._settle(rec, final)
        return rec

    def _poll(self, history: History) -> Flow[None]:
        """`wait_flow`, with this job's cancel sent right after the poll that triggers it."""
        s = self.settings
        timeout = max(0.0, min(s.timeout, self.deadline - history.submit_acked))
        inner = wait_flow(
            self.client, self.http, history, s.policy, timeout=timeout, raise_on_timeout=False
        )
        trigger = _TRIGGER.get(s.cancel) if s.cancel is not None else None
        if trigger is None:  # nothing to watch for: delegate (no Python frame per step)
            yield from inner
            return
        seen, outcome = len(history.polls), None
        while True:
            try:
                step = inner.send(outcome)
            except StopIteration:
                return
            if trigger is not None and len(history.polls) > seen and self._cancel_note is None:
                last = history.polls[-1]
                if last.phase is trigger:
                    yield from self._cancel(last.status.status if last.status else "unknown")
            seen = len(history.polls)
            outcome = yield step

    def _status(self, request_id: str) -> Flow[Poll]:
        sent = self.client.now()
        try:
            reply = yield from request_flow(
                self.client, self.http, Call.on_request("status", request_id)
            )
        except HarnessError as exc:
            return self.client.poll_of(exc, sent, self.client.now())
        return self.client.poll_of(reply, sent, reply.received_at)

    def _result(self, rec: JobRecord, request_id: str) -> Flow[Phase | None]:
        try:
            reply = yield from request_flow(
                self.client, self.http, Call.on_request("result", request_id)
            )
        except HarnessError:
            return None
        self._count(rec, reply)
        data = reply.json()
        if not isinstance(data, dict):
            return None
        if 200 <= reply.response.status_code < 300:
            rec.note_result(data)
        phase = phase_of(str(data.get("status")))
        return phase if phase.terminal else None

    def _cancel(self, state_before: str, *, twice: bool = False) -> Flow[None]:
        rec = self.record
        assert rec is not None
        assert rec.request_id is not None
        seen = rec.history.last if rec.history is not None else None
        word = seen.status.status if seen is not None and seen.status is not None else None
        self._cancel_note = CancelNote(len(self.exchanges), word, 2 if twice else 1)
        sent = self.client.now()
        replies: list[Reply | None] = []
        for _ in range(2 if twice else 1):
            call = Call.on_request("cancel", rec.request_id)
            try:
                replies.append((yield from request_flow(self.client, self.http, call)))
            except HarnessError:
                replies.append(None)
        outcomes = [_outcome(r) for r in replies]
        for reply in replies:
            if reply is not None:
                self._count(rec, reply)
        first = replies[0]
        rec.cancel = CancelRecord(
            moment=(self.settings.cancel or CancelMoment.AFTER_SUBMIT).value,
            state_before=state_before,
            sent_at=first.sent_at if first is not None else sent,
            http_status=first.response.status_code if first is not None else 0,
            outcome=outcomes[0],
            second_outcome=outcomes[1] if twice else None,
        )

    # -- the run's end ----------------------------------------------------------------------
    def cleanup_flow(self) -> Flow[str | None]:
        """After `abandon`: cancel the job if it was last seen queued; the cancel's outcome."""
        rec = self.record
        if rec is None or rec.request_id is None:
            return None
        if rec.history is not None and rec.history.final_phase is not Phase.QUEUED:
            return None
        try:
            reply = yield from request_flow(
                self.client, self.http, Call.on_request("cancel", rec.request_id)
            )
        except HarnessError as exc:
            return f"error: {type(exc).__name__}"
        return _outcome(reply) or f"HTTP {reply.response.status_code}"

    def abandon(self) -> JobRecord | None:
        """The record of a job the run stopped following, with what was seen so far: lost,
        unless a poll had already seen it finish (its bucket is then the one it reached)."""
        rec = self.record
        if rec is None or rec.outcome != Bucket.LOST.value or rec.request_id is None:
            return rec
        history = rec.history
        final = history.final_phase if history is not None and history.terminal else None
        self._settle(rec, final)
        return rec

    def _settle(self, rec: JobRecord, final: Phase | None) -> None:
        rec.final_status = final.value if final else None
        rec.outcome = bucket_of(final).value
        rec.settle()
        if rec.request_id is not None:
            rec.violations.extend(
                judge(rec.request_id, self.exchanges, self._cancel_note, terminal=final is not None)
            )
        self.exchanges.clear()  # judged: the evidence is no longer needed

    @staticmethod
    def _count(rec: JobRecord, reply: Reply) -> None:
        rec.call_bytes_sent += len(reply.response.request.content)
        rec.call_bytes_received += len(reply.response.content)


def _same_read(kept: Exchange, new: Exchange) -> bool:
    """Two status reads that said the same thing."""
    if not (kept.url == new.url and kept.url.endswith("/status")):
        return False
    if kept.status_code != new.status_code or kept.error or new.error:
        return False
    old, now = kept.response_data, new.response_data
    return (
        isinstance(old, dict) and isinstance(now, dict) and old.get("status") == now.get("status")
    )


def _outcome(reply: Reply | None) -> str | None:
    if reply is None:
        return None
    data = reply.json()
    return CancelAck.parse(data).outcome if isinstance(data, dict) else None
