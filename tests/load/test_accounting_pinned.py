"""Accounting pinned: every bucket by name, sums, merges and the exact refusals."""

from __future__ import annotations

import pytest

from harness.load.measure.accounting import Accounting, AccountingError, Bucket


def test_the_bucket_names_are_the_report_keys():
    assert [b.value for b in Bucket] == [
        "completed", "failed", "cancelled", "lost", "rejected", "unaccounted",
    ]  # fmt: skip


def test_each_outcome_lands_in_its_own_bucket():
    acc = Accounting.of(["failed", "cancelled", "cancelled", "rejected", "lost", "lost", "lost"])
    assert acc.submitted == 7
    assert acc.buckets == {
        "completed": 0,
        "failed": 1,
        "cancelled": 2,
        "lost": 3,
        "rejected": 1,
        "unaccounted": 0,
    }
    assert acc.check() is acc


def test_no_outcomes_add_up_to_zero_submits():
    acc = Accounting.of([])
    assert acc.to_dict() == {
        "submitted": 0, "completed": 0, "failed": 0, "cancelled": 0, "lost": 0, "rejected": 0,
        "unaccounted": 0,
    }  # fmt: skip


def test_an_unknown_outcome_is_named_in_the_refusal():
    with pytest.raises(AccountingError, match=r"^jobs outside every bucket: \['gone', 'zz'\]$"):
        Accounting.of(["completed", "zz", "gone", "zz"])


def test_the_transport_count_overrides_the_record_count():
    assert Accounting.of(["completed"], submitted=0).submitted == 0
    assert Accounting.of(["completed"], submitted=5).submitted == 5
    with pytest.raises(AccountingError, match=r"do not add up to 5$"):
        Accounting.of(["completed"], submitted=5).check()
    with pytest.raises(AccountingError, match=r"^buckets \{'completed': 1, .*\} do not add up"):
        Accounting.of(["completed"], submitted=0).to_dict()


def test_accountings_add_bucket_by_bucket():
    a = Accounting.of(["completed", "lost"])
    b = Accounting.of(["completed", "failed", "rejected"], submitted=4)
    total = a + b
    assert total.submitted == 6
    assert total.buckets == {
        "completed": 2,
        "failed": 1,
        "cancelled": 0,
        "lost": 1,
        "rejected": 1,
        "unaccounted": 0,
    }
    partial = Accounting(1, {"lost": 1}) + Accounting(2, {"completed": 2})
    assert partial.buckets == {
        "completed": 2,
        "failed": 0,
        "cancelled": 0,
        "lost": 1,
        "rejected": 0,
        "unaccounted": 0,
    }
