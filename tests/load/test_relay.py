"""The distributed run's bookkeeping, without Locust: the master's budget ledger, a worker's
granted permits, and the gathering of records (exactly once; a dead worker accounted for)."""

from __future__ import annotations

import gevent
import pytest

from harness.client.records import History
from harness.load.measure.accounting import Accounting
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults
from harness.load.swarm.budget import BudgetLedger, GrantedPermits
from harness.load.swarm.relay import Gather, Outbox


def test_the_ledger_never_grants_past_the_total_and_a_busy_worker_can_use_it_all():
    ledger = BudgetLedger(12)
    assert ledger.grant("idle", 2) == 2
    grants = [ledger.grant("busy", 4) for _ in range(4)]
    assert grants == [4, 4, 2, 0]
    assert ledger.granted == {"idle": 2, "busy": 10}
    assert ledger.left == 0
    assert ledger.grant("late", 3) == 0
    assert ledger.grant("busy", -1) == 0


class Link:
    """A master's ledger answering a worker's requests after a hop (a greenlet switch)."""

    def __init__(self, ledger: BudgetLedger, worker: str, batch: int) -> None:
        self.ledger, self.worker = ledger, worker
        self.asked: list[int] = []
        self.permits = GrantedPermits(self.ask, batch)

    def ask(self, count: int) -> None:
        self.asked.append(count)
        gevent.spawn(lambda: self.permits.granted(self.ledger.grant(self.worker, count)))


def test_permits_are_asked_ahead_and_the_run_stops_at_the_total():
    ledger = BudgetLedger(10)
    a, b = Link(ledger, "a", 4), Link(ledger, "b", 1)
    taken = {"a": 0, "b": 0}

    def spend(link: Link, name: str) -> None:
        while link.permits.take():
            taken[name] += 1
            gevent.sleep(0)

    gevent.joinall([gevent.spawn(spend, a, "a"), gevent.spawn(spend, b, "b")], timeout=5)
    assert taken["a"] + taken["b"] == 10  # every permit granted was used, none beyond
    assert a.permits.used == taken["a"]
    assert a.permits.received == ledger.granted["a"]
    assert all(n == 4 for n in a.asked)
    assert a.permits.spent
    assert b.permits.spent


def test_closing_the_permits_releases_a_waiting_schedule():
    permits = GrantedPermits(lambda n: None, 2)  # the master never answers
    waiter = gevent.spawn(permits.take)
    gevent.sleep(0.01)
    assert not waiter.ready()
    permits.close()
    assert waiter.get(timeout=1) is False


def _rec(request_id: str | None, outcome: str = "completed") -> JobRecord:
    rec = JobRecord("s", "p", 1.0, 1.0, 1.1, request_id=request_id, outcome=outcome)
    if request_id is not None:
        rec.history = History(request_id, 1.0, 1.1)
    return rec


def test_records_arrive_once_each_and_the_accounting_adds_up():
    outbox, gather = Outbox(), Gather(RunResults("s", submits_sent=0))
    first, second, refused = _rec("r1"), _rec("r2"), _rec(None, "rejected")
    for rec in (first, second):
        outbox.accept(rec)
    outbox.finish(first)
    gather.receive("w1", outbox.batch(submits_sent=3, permits=4))
    assert set(gather.tally("w1").open) == {"r2"}
    outbox.finish(second)
    outbox.finish(refused)
    message = outbox.batch(submits_sent=3, permits=4, final=True)
    gather.receive("w1", message)
    gather.receive("w1", message)  # a repeat changes nothing
    gather.close()
    results = gather.results
    assert sorted(str(r.request_id) for r in results.records) == ["None", "r1", "r2"]
    assert results.submits_sent == 3
    assert Accounting.of([r.outcome for r in results.records], results.submits_sent).check()
    assert results.workers[0]["state"] == "finished"
    assert results.histograms.encode()  # the master's figures come from the records
    assert not outbox.pending


@pytest.mark.parametrize(("granted", "unaccounted"), [(None, 1), (8, 5)])
def test_a_dead_worker_is_reported_with_its_lost_and_unaccounted_jobs(granted, unaccounted):
    outbox, gather = Outbox(), Gather(RunResults("s", submits_sent=0))
    jobs = [_rec(f"r{i}") for i in range(3)]
    for rec in jobs:
        outbox.accept(rec)
    outbox.finish(jobs[0])
    gather.receive("dead", outbox.batch(submits_sent=4, permits=8))  # then it dies
    gather.receive("live", {"records": [_rec("x").to_dict()], "submits_sent": 1, "final": True})
    tally = gather.write_off("dead", granted=granted)
    gather.receive("dead", {"records": [jobs[1].to_dict()], "final": True})  # too late: ignored
    gather.close()
    assert (tally.state, tally.records, tally.lost, tally.unaccounted) == (
        "died", 1, 2, unaccounted,
    )  # fmt: skip
    results = gather.results
    lost = sorted(str(r.request_id) for r in results.records if r.outcome == "lost")
    assert lost == ["r1", "r2"]  # accepted by the server, named, never silently dropped
    acc = Accounting.of([r.outcome for r in results.records], results.submits_sent).check()
    assert acc.buckets["unaccounted"] == unaccounted
    assert acc.submitted == 1 + 3 + unaccounted


def test_the_master_keeps_each_workers_schedule_length_once_told():
    gather = Gather(RunResults("queue-latency"))
    batch = Outbox().batch(submits_sent=0, permits=0)
    gather.receive("w1", {**batch, "planned": None})
    assert gather.tally("w1").planned is None  # not told yet
    gather.receive("w1", {**batch, "planned": 40})
    gather.receive("w1", {**batch})  # a batch without it keeps what was told
    assert gather.tally("w1").planned == 40
    gather.receive("w1", {**batch, "planned": 0})
    assert gather.tally("w1").planned == 0
