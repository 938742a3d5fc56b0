"""The job budget pinned: counts, what is left, the edge of the budget, and state updates."""

from __future__ import annotations

from harness.checks.ledger import JobEntry, JobLedger


def test_a_new_entry_knows_only_its_id_and_origin():
    entry = JobEntry("r1", "workload")
    assert (entry.state, entry.cancel, entry.reads, entry.last_read) == ("unknown", None, 0, None)


def test_the_budget_counts_every_created_job_down_to_zero():
    ledger = JobLedger(max_jobs=2)
    assert (ledger.created, ledger.remaining) == (0, 2)
    assert ledger.can_create()
    assert ledger.can_create(2)
    assert not ledger.can_create(3)
    first = ledger.add("a", "workload")
    assert first == JobEntry("a", "workload", "unknown")
    assert (ledger.created, ledger.remaining) == (1, 1)
    assert ledger.can_create()
    assert not ledger.can_create(2)
    ledger.add("b", "auth", "in_queue")
    assert (ledger.created, ledger.remaining) == (2, 0)
    assert not ledger.can_create()
    assert ledger.can_create(0)
    ledger.add("c", "invalid-input")  # the ledger records past the budget; never negative
    assert (ledger.created, ledger.remaining) == (3, 0)


def test_get_and_set_state_find_the_job_by_id():
    ledger = JobLedger(max_jobs=5)
    a = ledger.add("a", "workload")
    b = ledger.add("b", "workload", "in_queue")
    assert ledger.get("b") is b
    assert ledger.get("a") is a
    assert ledger.get("zz") is None
    ledger.set_state("b", "cancelled")
    assert (a.state, b.state) == ("unknown", "cancelled")
    ledger.set_state("zz", "lost")  # unknown ids change nothing
    assert [e.state for e in ledger.entries] == ["unknown", "cancelled"]


def test_set_state_updates_every_entry_of_a_repeated_id():
    ledger = JobLedger(max_jobs=5)
    ledger.add("a", "workload")
    ledger.add("a", "retry")
    ledger.set_state("a", "completed")
    assert [e.state for e in ledger.entries] == ["completed", "completed"]
    assert ledger.get("a") is ledger.entries[0]
