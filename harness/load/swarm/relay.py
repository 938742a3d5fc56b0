"""Job records travelling from Locust workers to their master, and what the master makes of them.

A worker's `Outbox` batches what happened since its last message: each job the server accepted
(its request_id, the moment it is known) and each finished record. The master's `Gather` keeps
one tally per worker. At the run's end a worker sends a final batch; a worker that died before
it is still accounted for: its accepted jobs without a record are reported lost, and whatever
else it was granted (or said it sent) and never reported counts as unaccounted. Every job the
server accepted from a live worker appears exactly once (duplicates by request_id are dropped).
No Locust, no I/O: the messages are plain dicts the caller sends.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from harness.client.records import History
from harness.load.measure.accounting import Bucket
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults

__all__ = ["Gather", "Outbox", "WorkerTally"]


class Outbox:
    """Worker: what its master has not been told yet."""

    def __init__(self) -> None:
        self.accepted: list[list[Any]] = []
        self.records: list[dict[str, Any]] = []
        self.final_sent = False

    def accept(self, rec: JobRecord) -> None:
        """A submit answered with a request_id: the master learns it at once."""
        self.accepted.append(
            [rec.request_id, rec.scenario, rec.policy, rec.intended_at, rec.submit_sent,
             rec.submit_acked]
        )  # fmt: skip

    def finish(self, rec: JobRecord) -> None:
        self.records.append(rec.to_dict())

    def batch(self, *, submits_sent: int, permits: int, final: bool = False) -> dict[str, Any]:
        """The next message (taking what it carries out of the outbox)."""
        message = {
            "accepted": self.accepted,
            "records": self.records,
            "submits_sent": submits_sent,
            "permits": permits,
            "final": final,
        }
        self.accepted, self.records = [], []
        self.final_sent = self.final_sent or final
        return message

    @property
    def pending(self) -> bool:
        return bool(self.accepted or self.records)


@dataclass
class WorkerTally:
    worker: str
    state: str = "running"  # running | finished | died
    records: int = 0
    submits_sent: int = 0  # as last reported
    permits: int = 0  # budget permits granted to it (as last reported; the ledger knows too)
    open: dict[str, list[Any]] = field(default_factory=dict)  # accepted, no record yet
    lost: int = 0  # accepted jobs with no record: reported lost for it at the end
    unaccounted: int = 0  # submits it may have made that no message ever named
    planned: int | None = None  # jobs its arrival schedules mean to submit (None: not yet told)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["open"] = len(self.open)
        return data


class Gather:
    """Master: every worker's records in one `RunResults`, each job exactly once."""

    def __init__(self, results: RunResults, *, by_policy: bool = False) -> None:
        self.results, self.by_policy = results, by_policy
        self.tallies: dict[str, WorkerTally] = {}
        self._ids: set[str] = set()

    def tally(self, worker: str) -> WorkerTally:
        return self.tallies.setdefault(worker, WorkerTally(worker))

    def receive(self, worker: str, message: dict[str, Any]) -> None:
        tally = self.tally(worker)
        if tally.state != "running":
            return  # a message after the worker was written off (or finished) changes nothing
        for row in message.get("accepted", []):
            tally.open.setdefault(str(row[0]), row)
        for data in message.get("records", []):
            rec = JobRecord.from_dict(data)
            rec.worker = worker
            if rec.request_id is not None:
                tally.open.pop(rec.request_id, None)
                if rec.request_id in self._ids:
                    continue  # already counted: exactly once
                self._ids.add(rec.request_id)
            tally.records += 1
            self.results.add(rec, by_policy=self.by_policy)
        tally.submits_sent = max(tally.submits_sent, int(message.get("submits_sent", 0)))
        tally.permits = max(tally.permits, int(message.get("permits", 0)))
        if message.get("planned") is not None:
            tally.planned = int(message["planned"])
        if message.get("final"):
            tally.state = "finished"

    def finished(self, worker: str) -> bool:
        tally = self.tallies.get(worker)
        return tally is not None and tally.state == "finished"

    def write_off(self, worker: str, *, granted: int | None = None) -> WorkerTally:
        """A worker that died before its final message: its open jobs are lost, and what it
        was granted (or said it sent) beyond every job it named is unaccounted."""
        tally = self.tally(worker)
        if tally.state != "running":
            return tally
        tally.state = "died"
        for row in tally.open.values():
            request_id, scenario, policy, intended, sent, acked = row
            if request_id in self._ids:
                continue
            self._ids.add(request_id)
            rec = JobRecord(scenario, policy, intended, sent, acked, request_id=request_id)
            rec.history = History(request_id, sent, acked)
            rec.worker, rec.error = worker, "its worker died before reporting it"
            self.results.records.append(rec)  # no figures: nothing was measured
            tally.lost += 1
        bound = max(tally.submits_sent, granted if granted is not None else 0)
        named = tally.records + tally.lost
        tally.unaccounted = max(0, bound - named)
        for _ in range(tally.unaccounted):
            rec = JobRecord("", "", 0.0, 0.0, 0.0, outcome=Bucket.UNACCOUNTED.value)
            rec.worker = worker
            rec.error = "granted to a worker that died before reporting it"
            self.results.records.append(rec)
        tally.open.clear()
        return tally

    def close(self) -> None:
        """The run's submits: what live workers counted, and each dead one's bound."""
        sent = 0
        for tally in self.tallies.values():
            if tally.state == "died":
                sent += tally.records + tally.lost + tally.unaccounted
            else:
                sent += tally.submits_sent
        self.results.submits_sent = sent
        self.results.workers = [t.to_dict() for t in self.tallies.values()]
