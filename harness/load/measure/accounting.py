"""Every submitted job ends in exactly one bucket, and the buckets add up to the submits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Accounting", "AccountingError", "Bucket"]


class Bucket(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    LOST = "lost"  # no terminal state before the run's (or the job's) deadline
    REJECTED = "rejected"  # the submit itself was refused
    # granted (or counted) by a Locust worker that died before reporting it: the server may
    # or may not have the job
    UNACCOUNTED = "unaccounted"


class AccountingError(AssertionError):
    """The buckets do not add up: the report would be wrong, so it is not written."""


@dataclass(frozen=True)
class Accounting:
    submitted: int
    buckets: dict[str, int]

    @classmethod
    def of(cls, outcomes: Iterable[str], submitted: int | None = None) -> Accounting:
        """Bucket the records' outcomes. `submitted` is the transport's own count of submits
        sent: with it, `check()` proves every submit has exactly one record."""
        counts = Counter(outcomes)
        unknown = set(counts) - {b.value for b in Bucket}
        if unknown:
            raise AccountingError(f"jobs outside every bucket: {sorted(unknown)}")
        total = sum(counts.values())
        buckets = {b.value: counts.get(b.value, 0) for b in Bucket}
        return cls(total if submitted is None else submitted, buckets)

    def check(self) -> Accounting:
        if sum(self.buckets.values()) != self.submitted:
            raise AccountingError(f"buckets {self.buckets} do not add up to {self.submitted}")
        return self

    def __add__(self, other: Accounting) -> Accounting:
        merged = {b.value: self.buckets.get(b, 0) + other.buckets.get(b, 0) for b in Bucket}
        return Accounting(self.submitted + other.submitted, merged)

    def to_dict(self) -> dict[str, int]:
        self.check()
        return {"submitted": self.submitted, **self.buckets}
