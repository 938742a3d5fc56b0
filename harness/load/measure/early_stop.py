"""Stop spending early: has the run lost a gate it can no longer pass whatever comes next?

A per-job gate passes only on few enough misses (over + undecided; failed and lost jobs are
over) among enough jobs, by the binomial rule of `verdicts`. The jobs still to come can only
add to the tally, and at best every one of them is under: when even that cannot reach a PASS
at the run's confidence, the gate is lost and every further job only costs. A max gate is lost
at its first miss (nothing undoes it); a mean or a count could still move either way, so they
never stop a run.

`more` is the most jobs the run can still add: its tightest cap (the submit budget, the
arrival schedule) minus the jobs already finished, in flight included (`jobs_left`). Unknown
(None), only a max gate can be lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.load.measure.jobs import JobRecord
from harness.load.measure.slo import Slo, job_tally
from harness.load.measure.verdicts import Tally, more_jobs_to_pass
from harness.load.measure.warmup import NO_WARMUP, Warmup, split_warmup

__all__ = ["Outlook", "first_lost", "jobs_left", "outlook", "stopped_record"]


@dataclass(frozen=True)
class Outlook:
    """A per-job gate's chances: its tally so far and what the rest of the run could add."""

    slo: str
    tally: Tally
    more: int | None  # the most jobs the run can still add (None: no bound known)
    needed: int | None  # all-under jobs a percentile gate needs to pass; None: a max gate
    confidence: float

    @property
    def misses(self) -> int:
        return self.tally.over + self.tally.undecided

    @property
    def lost(self) -> bool:
        if self.needed is None:  # a max gate: one miss stays a miss
            return self.misses > 0
        return self.more is not None and self.needed > self.more

    def explain(self) -> str:
        t = self.tally
        counts = f"{t.over} over, {t.under} under, {t.undecided} undecided"
        verb = "can no longer pass" if self.lost else "can still pass"
        if self.needed is None:
            return f"{self.slo} {verb} ({counts}: one miss decides a max gate)"
        more = "an unknown number of" if self.more is None else f"{self.more}"
        reach = "would not reach" if self.lost else "could reach"
        return (
            f"{self.slo} {verb} ({counts}; even {more} more jobs all under {reach} "
            f"{self.confidence:g} confidence: it needs {self.needed})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"slo": self.slo, **self.tally.to_dict(), "more": self.more,
                "needed": self.needed, "confidence": self.confidence, "lost": self.lost,
                "explanation": self.explain()}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outlook:
        counts = Tally(int(data["under"]), int(data["over"]), int(data["undecided"]))
        more, needed = data.get("more"), data.get("needed")
        return cls(
            str(data["slo"]), counts, None if more is None else int(more),
            None if needed is None else int(needed), float(data["confidence"]),
        )  # fmt: skip


def outlook(slo: Slo, counts: Tally, more: int | None, confidence: float) -> Outlook | None:
    """The gate's outlook from its tally; None for a gate that is not per job (mean, count)."""
    if not slo.per_job:
        return None
    allowed = slo.allowed_miss
    needed = None
    if allowed is not None:
        needed = more_jobs_to_pass(counts.over + counts.undecided, counts.jobs, allowed, confidence)
    return Outlook(slo.text, counts, more, needed, confidence)


def first_lost(
    slos: Sequence[Slo],
    records: Sequence[JobRecord],
    *,
    more: int | None,
    confidence: float,
    warmup: Warmup = NO_WARMUP,
    start: float | None = None,
) -> Outlook | None:
    """The first gate the run has lost, judged on the jobs finished so far with the warm-up
    kept out as the report keeps it (`start`: when the run began); None while all can pass."""
    judged = split_warmup(records, warmup, start).measured
    for slo in slos:
        look = outlook(slo, job_tally(slo, judged), more, confidence)
        if look is not None and look.lost:
            return look
    return None


def jobs_left(caps: Sequence[int | None], finished: int) -> int | None:
    """The most jobs the run can still add to a tally: its tightest known cap on submits
    (None: no such cap) minus the jobs already finished; None when no cap is known."""
    known = [cap for cap in caps if cap is not None]
    if not known:
        return None
    return max(0, min(known) - finished)


def stopped_record(look: Outlook, *, at: float, finished: int) -> dict[str, Any]:
    """What a run's results keep of its stop: the lost gate's outlook, when, after how many
    finished jobs."""
    return {"at": at, "finished": finished, **look.to_dict()}
