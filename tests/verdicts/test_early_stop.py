"""Stop spending early: a gate is lost exactly when even all-under jobs cannot make it pass."""

from __future__ import annotations

import math

import pytest

from harness.load.measure.early_stop import (
    Outlook,
    first_lost,
    jobs_left,
    outlook,
    stopped_record,
)
from harness.load.measure.slo import parse_slo
from harness.load.measure.verdicts import Tally, Verdict, judge_share
from harness.load.measure.warmup import Warmup

from .jobsets import job, jobs_from_waits

P95 = parse_slo("queue_wait.p95<1s")


def _look(counts: Tally, more: int | None, text: str = "queue_wait.p95<1s", confidence=0.99):
    look = outlook(parse_slo(text), counts, more, confidence)
    assert look is not None
    return look


# -- the edge, both ways: one job from still passable to lost ---------------------------------
def test_with_no_job_yet_a_p95_gate_needs_90_all_under_jobs_at_99_percent():
    # 0.95 ** 90 = 0.0099 <= 0.01 < 0.95 ** 89 = 0.0104
    assert not _look(Tally(), 90).lost
    assert _look(Tally(), 89).lost
    assert _look(Tally(), 89).needed == 90


@pytest.mark.parametrize(
    ("counts", "needed"),
    [(Tally(under=10), 80), (Tally(over=1), 129), (Tally(under=19, over=1), 110),
     (Tally(under=19, undecided=1), 110), (Tally(under=52, over=31), 842),
     (Tally(under=48, over=1, undecided=1), 115)],
)  # fmt: skip
def test_lost_exactly_when_the_jobs_left_are_fewer_than_the_rule_needs(counts, needed):
    assert not _look(counts, needed).lost
    assert _look(counts, needed - 1).lost
    # the rule's own verdicts at the edge: `needed` more under jobs pass, one fewer do not
    allowed = P95.allowed_miss
    assert allowed is not None
    grown = Tally(counts.under + needed, counts.over, counts.undecided)
    short = Tally(counts.under + needed - 1, counts.over, counts.undecided)
    assert judge_share(grown, allowed, 0.99).verdict is Verdict.PASS
    assert judge_share(short, allowed, 0.99).verdict is not Verdict.PASS


def test_the_run_confidence_decides_how_many_jobs_are_needed():
    assert _look(Tally(), 59, confidence=0.95).needed == 59  # 0.95 ** 59 = 0.0485 <= 0.05
    assert not _look(Tally(), 59, confidence=0.95).lost
    assert _look(Tally(), 58, confidence=0.95).lost


def test_undecided_jobs_count_as_misses_like_over_ones():
    assert _look(Tally(undecided=1), 128).lost
    assert not _look(Tally(undecided=1), 129).lost
    assert _look(Tally(over=1), 128).lost


def test_without_a_known_bound_a_percentile_gate_is_never_lost():
    look = _look(Tally(over=500), None)
    assert not look.lost
    assert look.needed is not None
    assert look.needed > 5000


def test_a_lenient_or_lower_gate_uses_its_own_allowed_share():
    # p50<1s: half may miss; 3 under, 0 misses: 0.5 ** 7 = 0.0078 <= 0.01 < 0.5 ** 6
    assert _look(Tally(under=3), 4, "queue_wait.p50<1s").needed == 4
    assert _look(Tally(under=3), 3, "queue_wait.p50<1s").lost
    assert _look(Tally(under=3), 4, "queue_wait.p50<=1s").needed == 4
    # p90>1s: 90% may miss a lower gate: 0.1 ** 2 = 0.01, two sure hits are enough
    assert _look(Tally(), 2, "queue_wait.p90>1s").needed == 2
    assert _look(Tally(), 1, "queue_wait.p90>=1s").lost
    assert not _look(Tally(), 2, "queue_wait.p90>=1s").lost


def test_allowed_miss_share_of_each_kind_of_gate():
    assert parse_slo("queue_wait.p95<1s").allowed_miss == pytest.approx(0.05)
    assert parse_slo("queue_wait.p95<=1s").allowed_miss == pytest.approx(0.05)
    assert parse_slo("queue_wait.p95>1s").allowed_miss == pytest.approx(0.95)
    assert parse_slo("queue_wait.p90>=1s").allowed_miss == pytest.approx(0.90)
    assert parse_slo("queue_wait.max<1s").allowed_miss is None
    assert parse_slo("queue_wait.mean<1s").allowed_miss is None


# -- max gates and gates that never stop a run ------------------------------------------------
def test_a_max_gate_is_lost_at_its_first_miss_whatever_is_left():
    assert not _look(Tally(under=5), 0, "queue_wait.max<1s").lost
    assert not _look(Tally(), None, "queue_wait.max<1s").lost
    assert _look(Tally(under=5, over=1), 10**6, "queue_wait.max<1s").lost
    assert _look(Tally(under=5, undecided=1), None, "queue_wait.max<1s").lost
    assert _look(Tally(over=1), None, "queue_wait.max<1s").needed is None


def test_means_counts_and_two_sided_gates_have_no_outlook():
    for text in ("queue_wait.mean<1s", "lost==0", "failed<3", "queue_wait.p95==1s"):
        assert outlook(parse_slo(text), Tally(over=100), 0, 0.99) is None


# -- what it says -----------------------------------------------------------------------------
def test_explanations_give_the_counts_the_jobs_left_and_the_jobs_needed():
    lost = _look(Tally(under=52, over=31), 117)
    assert lost.explain() == (
        "queue_wait.p95<1s can no longer pass (31 over, 52 under, 0 undecided; even 117 more "
        "jobs all under would not reach 0.99 confidence: it needs 842)"
    )
    open_ = _look(Tally(under=10), 80)
    assert open_.explain() == (
        "queue_wait.p95<1s can still pass (0 over, 10 under, 0 undecided; even 80 more jobs "
        "all under could reach 0.99 confidence: it needs 80)"
    )
    assert "an unknown number of more jobs" in _look(Tally(), None).explain()
    assert _look(Tally(under=2, over=1), None, "queue_wait.max<1s").explain() == (
        "queue_wait.max<1s can no longer pass (1 over, 2 under, 0 undecided: one miss "
        "decides a max gate)"
    )
    assert "can still pass" in _look(Tally(under=2), None, "queue_wait.max<1s").explain()


def test_the_outlook_travels_as_plain_data_and_back():
    look = _look(Tally(under=52, over=31, undecided=2), 117)
    data = look.to_dict()
    assert data == {
        "slo": "queue_wait.p95<1s", "jobs": 85, "under": 52, "over": 31, "undecided": 2,
        "more": 117, "needed": look.needed, "confidence": 0.99, "lost": True,
        "explanation": look.explain(),
    }  # fmt: skip
    assert Outlook.from_dict(data) == look
    open_max = _look(Tally(under=3), None, "queue_wait.max<1s")
    assert Outlook.from_dict(open_max.to_dict()) == open_max
    assert open_max.misses == 0
    assert look.misses == 33


# -- on job records ---------------------------------------------------------------------------
def test_failed_and_lost_jobs_count_as_over_cancelled_and_refused_not_at_all():
    records = [
        *jobs_from_waits([0.2] * 10),
        job(None, outcome="failed", run_time=None, at=20.0),
        job(None, outcome="lost", run_time=None, at=21.0),
        job((5.0, 5.0), outcome="cancelled", at=22.0),
        job(None, outcome="rejected", run_time=None, request_id=None, at=23.0),
    ]
    assert first_lost([P95], records, more=10**6, confidence=0.99) is None
    look = first_lost([P95], records, more=100, confidence=0.99)
    assert look is not None
    assert look.tally == Tally(under=10, over=2, undecided=0)
    assert look.needed is not None
    assert look.needed > 100
    assert first_lost([P95], records, more=look.needed, confidence=0.99) is None


def test_the_first_lost_gate_is_named_and_gates_that_can_pass_are_skipped():
    records = jobs_from_waits([0.2] * 20 + [3.0])
    slos = [parse_slo("queue_wait.p95<5s"), parse_slo("queue_wait.max<2s"), P95]
    look = first_lost(slos, records, more=1000, confidence=0.99)
    assert look is not None
    assert look.slo == "queue_wait.max<2s"
    assert first_lost(slos[:1], records, more=1000, confidence=0.99) is None
    assert first_lost([], records, more=0, confidence=0.99) is None


def test_the_warm_up_is_kept_out_as_the_report_keeps_it():
    slow_start = jobs_from_waits([3.0, 0.2, 0.2])  # intended at 0, 1 and 2 s
    gate = [parse_slo("queue_wait.max<2s")]
    assert first_lost(gate, slow_start, more=None, confidence=0.99) is not None
    assert first_lost(gate, slow_start, more=None, confidence=0.99,
                      warmup=Warmup(jobs=1)) is None  # fmt: skip
    # by time, from the run's start: 0.5 s covers the job intended at 0 s only if the run
    # began no earlier than it
    assert first_lost(gate, slow_start, more=None, confidence=0.99, warmup=Warmup(seconds=0.5),
                      start=0.0) is None  # fmt: skip
    assert first_lost(gate, slow_start, more=None, confidence=0.99, warmup=Warmup(seconds=0.5),
                      start=-1.0) is not None  # fmt: skip


def test_jobs_left_is_the_tightest_cap_minus_the_jobs_finished():
    assert jobs_left([None, None], 5) is None
    assert jobs_left([], 5) is None
    assert jobs_left([100, None], 30) == 70
    assert jobs_left([None, 100], 30) == 70
    assert jobs_left([100, 50], 30) == 20
    assert jobs_left([50, 100], 30) == 20
    assert jobs_left([50], 50) == 0
    assert jobs_left([50], 60) == 0  # never negative


def test_an_infinitely_late_job_is_over_any_finite_target():
    records = [job((math.inf, math.inf), at=0.0)]
    look = first_lost([parse_slo("queue_wait.max<1000s")], records, more=None, confidence=0.99)
    assert look is not None
    assert look.tally.over == 1


def test_the_stopped_record_keeps_when_after_what_and_the_outlook():
    look = _look(Tally(under=52, over=31), 117)
    record = stopped_record(look, at=1700000000.5, finished=90)
    assert record == {"at": 1700000000.5, "finished": 90, **look.to_dict()}
    assert Outlook.from_dict(record) == look
