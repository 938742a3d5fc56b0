"""The verdict rule proven both ways: pass, fail and inconclusive exactly where it says."""

from __future__ import annotations

import math
from fractions import Fraction
from math import comb

import pytest

from harness.load.measure.verdicts import (
    Side,
    Tally,
    Verdict,
    allowed_miss_share,
    classify,
    judge_share,
    more_jobs_to_pass,
    tally,
)

ALPHA = Fraction(1, 100)
FIVE = Fraction(1, 20)


def _cdf(k: int, n: int, q: Fraction) -> Fraction:
    return sum(
        (comb(n, i) * q**i * (1 - q) ** (n - i) for i in range(0, min(k, n) + 1)), Fraction(0)
    )


def _reference(under: int, over: int, undecided: int) -> Verdict:
    n, misses = under + over + undecided, over + undecided
    if _cdf(misses, n, FIVE) <= ALPHA:
        return Verdict.PASS
    if 1 - _cdf(over - 1, n, FIVE) <= ALPHA:
        return Verdict.FAIL
    return Verdict.INCONCLUSIVE


def _lt_one(v: float) -> bool:
    return v < 1.0


def _le_one(v: float) -> bool:
    return v <= 1.0


def _gt_one(v: float) -> bool:
    return v > 1.0


def _ge_one(v: float) -> bool:
    return v >= 1.0


@pytest.mark.parametrize(
    ("holds", "lower", "upper", "side"),
    [
        (_lt_one, 0.5, 0.999, Side.UNDER),
        (_lt_one, 0.5, 1.0, Side.UNDECIDED),  # upper edge exactly on the target: not surely under
        (_lt_one, 0.999, 1.5, Side.UNDECIDED),
        (_lt_one, 1.0, 1.5, Side.OVER),  # lower edge exactly on it: the whole interval misses
        (_lt_one, 1.0, 1.0, Side.OVER),
        (_le_one, 0.5, 1.0, Side.UNDER),
        (_le_one, 1.0, 1.0, Side.UNDER),
        (_le_one, 1.0, 1.5, Side.UNDECIDED),
        (_le_one, 1.0001, 1.5, Side.OVER),
        (_gt_one, 1.0001, 2.0, Side.UNDER),
        (_gt_one, 1.0, 2.0, Side.UNDECIDED),
        (_gt_one, 0.5, 1.0, Side.OVER),
        (_ge_one, 1.0, 2.0, Side.UNDER),
        (_ge_one, 0.5, 1.0, Side.UNDECIDED),
        (_ge_one, 0.5, 0.999, Side.OVER),
        (_lt_one, math.inf, math.inf, Side.OVER),  # a lost job: infinitely late
    ],
)
def test_classify_at_the_edges_of_the_interval(holds, lower, upper, side):
    assert classify(lower, upper, holds) is side


def test_tally_counts_each_side():
    counts = tally([(0, 0.5), (0.5, 1.0), (1.0, 2.0), (2.0, 3.0), (0.1, 0.2)], _lt_one)
    assert counts == Tally(under=2, over=2, undecided=1)
    assert counts.jobs == 5
    assert counts.to_dict() == {"jobs": 5, "under": 2, "over": 2, "undecided": 1}


def test_ninety_clean_jobs_pass_a_p95_gate_and_eighty_nine_do_not():
    # 0.95**90 = 0.0099 <= 0.01 < 0.95**89 = 0.0104
    assert judge_share(Tally(under=90), 0.05).verdict is Verdict.PASS
    short = judge_share(Tally(under=89), 0.05)
    assert short.verdict is Verdict.INCONCLUSIVE
    assert short.more_jobs == 1
    assert "run at least 1 more jobs" in short.explain()
    assert judge_share(Tally(), 0.05).more_jobs == 90  # nothing ran yet


def test_three_jobs_never_pass_however_fast():
    verdict = judge_share(Tally(under=3), 0.05)
    assert verdict.verdict is Verdict.INCONCLUSIVE
    assert verdict.more_jobs == 87


@pytest.mark.parametrize("n", [0, 1, 5, 40, 89, 90, 91, 130, 131, 165, 200])
def test_every_split_matches_the_rational_reference(n):
    for over in range(0, n + 1, max(1, n // 25)):
        for undecided in (0, 1, 3):
            if over + undecided > n:
                continue
            under = n - over - undecided
            got = judge_share(Tally(under, over, undecided), 0.05).verdict
            assert got is _reference(under, over, undecided), (under, over, undecided)


def test_undecided_jobs_block_a_pass_but_never_cause_a_fail():
    assert judge_share(Tally(under=90), 0.05).verdict is Verdict.PASS
    assert judge_share(Tally(under=89, undecided=1), 0.05).verdict is Verdict.INCONCLUSIVE
    wide = judge_share(Tally(undecided=500), 0.05)
    assert wide.verdict is Verdict.INCONCLUSIVE  # all undecided: no evidence either way
    assert "poll more often" in wide.explain()
    assert judge_share(Tally(under=480, over=20), 0.05).verdict is Verdict.INCONCLUSIVE
    assert judge_share(Tally(under=470, over=40), 0.05).verdict is Verdict.FAIL


def test_fail_needs_significantly_many_misses():
    # 100 jobs, share 5%: P(X >= 11) = 0.0115 > 0.01, P(X >= 12) = 0.0043
    assert judge_share(Tally(under=89, over=11), 0.05).verdict is Verdict.INCONCLUSIVE
    failed = judge_share(Tally(under=88, over=12), 0.05)
    assert failed.verdict is Verdict.FAIL
    assert failed.more_jobs is None
    assert failed.p_fail == pytest.approx(0.0043, abs=1e-4)
    assert failed.p_pass == pytest.approx(0.99854, abs=1e-4)  # P(X <= 12)
    open_ = judge_share(Tally(under=89, over=11), 0.05)
    assert open_.p_pass == pytest.approx(0.99573, abs=1e-4)  # P(X <= 11)
    assert open_.p_fail == pytest.approx(0.0115, abs=1e-3)  # P(X >= 11)
    assert "fail" in failed.explain()
    assert "12 over" in failed.explain()


def test_more_jobs_is_the_smallest_that_passes():
    for misses in (0, 1, 2, 5, 12):
        for jobs in (misses, misses + 40, misses + 200):
            extra = more_jobs_to_pass(misses, jobs, 0.05, 0.99)
            assert judge_share(Tally(jobs + extra - misses, misses), 0.05).verdict is Verdict.PASS
            if extra:
                before = Tally(jobs + extra - 1 - misses, misses)
                assert judge_share(before, 0.05).verdict is not Verdict.PASS
    assert more_jobs_to_pass(0, 90, 0.05, 0.99) == 0
    assert [more_jobs_to_pass(k, 0, 0.05, 0.99) for k in range(4)] == [90, 130, 165, 198]


def test_a_stricter_confidence_needs_more_jobs():
    assert more_jobs_to_pass(0, 0, 0.05, 0.95) == 59
    assert judge_share(Tally(under=59), 0.05, 0.95).verdict is Verdict.PASS
    assert judge_share(Tally(under=59), 0.05, 0.99).verdict is Verdict.INCONCLUSIVE
    assert judge_share(Tally(under=59), 0.05, 0.95).confidence == 0.95


def test_p99_gates_need_more_evidence_than_p95():
    assert more_jobs_to_pass(0, 0, 0.01, 0.99) == 459  # ceil(ln 0.01 / ln 0.99)


def test_the_evidence_is_reported():
    data = judge_share(Tally(under=90), 0.05).to_dict()
    assert data["verdict"] == "pass"
    assert (data["jobs"], data["under"], data["over"], data["undecided"]) == (90, 90, 0, 0)
    assert data["allowed"] == 0.05
    assert data["confidence"] == 0.99
    assert data["p_pass"] == pytest.approx(0.95**90)
    assert data["p_fail"] == 1.0
    assert data["more_jobs"] is None
    assert data["explanation"].startswith("90 jobs: 90 under, 0 over, 0 undecided")
    assert "pass" in data["explanation"]


def test_allowed_share_by_gate_direction():
    assert allowed_miss_share(95, True) == pytest.approx(0.05)
    assert allowed_miss_share(95, False) == pytest.approx(0.95)
    assert allowed_miss_share(99, True) == pytest.approx(0.01)
    for bad in (0, 100, -1, 101):
        with pytest.raises(ValueError, match="percentile"):
            allowed_miss_share(bad, True)


@pytest.mark.parametrize("confidence", [0.5, 1.0, 0.2, 1.5])
def test_rejects_confidence_outside_half_to_one(confidence):
    with pytest.raises(ValueError, match="confidence"):
        judge_share(Tally(under=5), 0.05, confidence)
    with pytest.raises(ValueError, match="confidence"):
        more_jobs_to_pass(0, 5, 0.05, confidence)


@pytest.mark.parametrize("allowed", [0.0, 1.0])
def test_rejects_degenerate_allowed_share(allowed):
    with pytest.raises(ValueError, match="allowed"):
        judge_share(Tally(under=5), allowed)


def test_a_tail_exactly_at_one_minus_confidence_decides():
    # P(0 misses in 2 | share 0.5) = 0.25 = 1 - 0.75 exactly: "at most" 1 - confidence decides
    assert judge_share(Tally(under=2), 0.5, 0.75).verdict is Verdict.PASS
    assert more_jobs_to_pass(0, 1, 0.5, 0.75) == 1
    assert judge_share(Tally(over=2), 0.5, 0.75).verdict is Verdict.FAIL


def test_explain_in_full():
    wide = judge_share(Tally(under=10, undecided=2), 0.05)
    assert wide.explain() == (
        "12 jobs: 10 under, 0 over, 2 undecided; at most 0.05 may miss, at 0.99 confidence; "
        f"inconclusive; run at least {wide.more_jobs} more jobs "
        "(or poll more often: undecided jobs count as misses)"
    )
    assert judge_share(Tally(under=10), 0.05).explain().endswith(
        "; inconclusive; run at least 80 more jobs")  # fmt: skip


def test_small_percentiles_are_allowed():
    assert allowed_miss_share(0.5, True) == pytest.approx(0.995)
    assert allowed_miss_share(99.9, False) == pytest.approx(0.999)
