"""The process's ledger of jobs: budget, in-flight flows, and the finished records.

Uses gevent (flows are greenlets) but not Locust, so the run-end cleanup is testable alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import gevent
from gevent.pool import Group

from harness.client.protocol import Call
from harness.client.vocabulary import Phase
from harness.load.budget import SharedBudget
from harness.load.flow import JobFlow
from harness.load.jobs import JobRecord
from harness.load.results import RunResults

__all__ = ["JobBook"]


class JobBook:
    def __init__(
        self,
        results: RunResults,
        *,
        budget: int | None = None,
        by_policy: bool = False,
        shared: SharedBudget | None = None,
    ) -> None:
        self.results = results
        self.budget = budget  # submits this process may still make (None: unlimited)
        self.shared = shared  # the run's budget, shared with the other Locust processes
        self.by_policy = by_policy
        self.group = Group()
        self.flows: dict[int, JobFlow] = {}
        self.listeners: list[Callable[[JobRecord], None]] = []
        self.schedulers = 0
        self.submitted = 0
        self._closed = False

    def take_budget(self) -> bool:
        """One more submit allowed? The budget caps submits whatever the scenario."""
        if self._closed or (self.budget is not None and self.submitted >= self.budget):
            return False
        if self.shared is not None and not self.shared.take():
            return False
        self.submitted += 1
        return True

    def start(self, flow: JobFlow, body: Any, intended_at: float) -> None:
        def run() -> None:
            self.flows[id(flow)] = flow
            try:
                rec = flow.run(body, intended_at)
            finally:
                self.flows.pop(id(flow), None)
            self.finish(rec)

        self.group.spawn(run)

    def finish(self, rec: JobRecord) -> None:
        self.results.add(rec, by_policy=self.by_policy)
        for listener in self.listeners:
            listener(rec)

    @property
    def idle(self) -> bool:
        return self.schedulers == 0 and not self.flows and len(self.group) == 0

    def close(self, timeout: float = 5.0) -> None:
        """Run end: stop following every job; cancel those still queued; all count as lost."""
        if self._closed:
            return
        self._closed = True
        # A submit on the wire may create a job: wait for its answer, or that job would be
        # accepted by the server yet missing from the report (and never cancelled).
        waited = 0.0
        while any(f.submitting for f in self.flows.values()) and waited < timeout:
            gevent.sleep(0.01)
            waited += 0.01
        abandoned = list(self.flows.values())
        self.group.kill(block=True, timeout=timeout)
        cleanups = [gevent.spawn(self._abandon, flow) for flow in abandoned]
        gevent.joinall(cleanups, timeout=timeout)
        self.results.ended_at = time.time()

    def _abandon(self, flow: JobFlow) -> None:
        rec = flow.abandon()
        if rec is None:
            return
        history = flow.history
        still_queued = history is None or history.final_phase is Phase.QUEUED
        if rec.request_id is not None and still_queued:
            try:
                answer = flow.send(Call.on_request("cancel", rec.request_id))
                data = answer.json() or {}
                rec.cleanup = str(data.get("outcome") or f"HTTP {answer.status}")
            except Exception as exc:  # the report must still be written
                rec.cleanup = f"error: {type(exc).__name__}"
        self.finish(rec)
