"""SLO gates judged on synthetic job sets: the verdict, its counts, the edges of intervals."""

from __future__ import annotations

import math

import pytest

from harness.load.measure.slo import evaluate, parse_slo
from harness.load.measure.verdicts import Verdict

from .jobsets import job, jobs_from_waits


def _judge(text: str, records, metrics=None):
    metrics = metrics or {"queue-latency": {}}
    return evaluate([parse_slo(text)], metrics, {}, {"queue-latency": records})[0]


def test_enough_fast_jobs_pass_and_few_are_inconclusive():
    assert _judge("queue_wait.p95<1s", jobs_from_waits([0.2] * 90)).verdict is Verdict.PASS
    few = _judge("queue_wait.p95<1s", jobs_from_waits([0.2] * 3))
    assert few.verdict is Verdict.INCONCLUSIVE
    assert not few.passed
    assert "run at least 87 more jobs" in few.explain()
    assert few.to_dict()["evidence"]["more_jobs"] == 87


def test_a_slow_server_fails():
    result = _judge("queue_wait.p95<1s", jobs_from_waits([0.2] * 80 + [2.0] * 20))
    assert result.verdict is Verdict.FAIL
    assert result.to_dict()["verdict"] == "fail"
    assert result.to_dict()["evidence"]["over"] == 20


def test_intervals_ending_exactly_on_the_target_are_undecided_for_lt_and_under_for_le():
    records = [job((0.5, 1.0), at=float(i)) for i in range(100)]
    strict = _judge("queue_wait.p95<1s", records)
    assert strict.verdict is Verdict.INCONCLUSIVE
    assert strict.share is not None
    assert strict.share.tally.undecided == 100
    assert _judge("queue_wait.p95<=1s", records).verdict is Verdict.PASS


def test_intervals_starting_exactly_on_the_target_are_over_for_lt_and_undecided_for_le():
    records = [job((1.0, 1.5), at=float(i)) for i in range(100)]
    assert _judge("queue_wait.p95<1s", records).verdict is Verdict.FAIL
    lenient = _judge("queue_wait.p95<=1s", records)
    assert lenient.verdict is Verdict.INCONCLUSIVE
    assert lenient.share is not None
    assert lenient.share.tally.undecided == 100


def test_wide_intervals_straddling_the_target_cannot_pass_a_gate_their_midpoints_pass():
    # Midpoints 0.9 s would pass a point judgement; the intervals [0.3, 1.5] decide nothing.
    records = [job((0.3, 1.5), at=float(i)) for i in range(200)]
    result = _judge("queue_wait.p95<1s", records, {"queue-latency": {"queue_wait": {"p95": 0.9}}})
    assert result.actual == 0.9
    assert result.verdict is Verdict.INCONCLUSIVE
    assert "poll more often" in result.explain()


def test_lost_and_failed_jobs_count_as_misses_and_cancelled_ones_not_at_all():
    fast = jobs_from_waits([0.1] * 100)
    lost = [job((0.1, 0.1), outcome="lost", at=200.0 + i) for i in range(15)]
    failed = [job((0.1, 0.1), outcome="failed", at=300.0 + i) for i in range(15)]
    cancelled = [job(None, outcome="cancelled", run_time=None, at=400.0 + i) for i in range(50)]
    assert _judge("queue_wait.p95<1s", fast + cancelled).verdict is Verdict.PASS
    assert _judge("queue_wait.p95<1s", fast + lost).verdict is Verdict.FAIL
    assert _judge("end_to_end.p95<5s", fast + failed).verdict is Verdict.FAIL
    rejected = [job(None, outcome="rejected", run_time=None, request_id=None) for _ in range(50)]
    assert _judge("queue_wait.p95<1s", fast + rejected).verdict is Verdict.PASS


def test_a_lower_bound_gate_judges_the_other_side():
    records = jobs_from_waits([2.0] * 100)
    assert _judge("queue_wait.p50>1s", records).verdict is Verdict.PASS
    assert _judge("queue_wait.p50>3s", records).verdict is Verdict.FAIL


def test_max_gates_judge_every_interval():
    assert _judge("queue_wait.max<1s", jobs_from_waits([0.2] * 5)).verdict is Verdict.PASS
    one_over = _judge("queue_wait.max<1s", jobs_from_waits([0.2] * 5 + [1.0]))
    assert one_over.verdict is Verdict.FAIL
    straddles = _judge("queue_wait.max<1s", [*jobs_from_waits([0.2] * 5), job((0.9, 1.1))])
    assert straddles.verdict is Verdict.INCONCLUSIVE
    assert "1 undecided" in straddles.explain()
    assert "poll more often" in straddles.explain()
    assert _judge("queue_wait.max<1s", []).verdict is Verdict.INCONCLUSIVE


def test_means_and_counts_are_judged_by_value():
    metrics = {"queue-latency": {"queue_wait": {"mean": 0.5}}}
    records = jobs_from_waits([0.5] * 3)
    results = evaluate(
        [parse_slo("queue_wait.mean<1s"), parse_slo("lost==0"), parse_slo("failed==0")],
        metrics, {"lost": 0, "failed": 2}, {"queue-latency": records},
    )  # fmt: skip
    assert [r.verdict for r in results] == [Verdict.PASS, Verdict.PASS, Verdict.FAIL]
    assert results[0].share is None
    assert results[0].explain() == "actual 0.5"
    assert evaluate([parse_slo("lost==0")], {}, {})[0].explain() == "none measured"


def test_without_jobs_percentiles_are_judged_by_their_summary():
    metrics = {"queue-latency": {"queue_wait": {"p95": 0.5}}}
    result = evaluate([parse_slo("queue_wait.p95<1s")], metrics, {})[0]
    assert result.verdict is Verdict.PASS
    assert result.share is None
    assert "evidence" not in result.to_dict()


def test_confidence_is_passed_through():
    records = jobs_from_waits([0.2] * 60)
    slo = parse_slo("queue_wait.p95<1s")
    jobs = {"queue-latency": records}
    at_95 = evaluate([slo], {"queue-latency": {}}, {}, jobs, confidence=0.95)[0]
    at_99 = evaluate([slo], {"queue-latency": {}}, {}, jobs)[0]
    assert (at_95.verdict, at_99.verdict) == (Verdict.PASS, Verdict.INCONCLUSIVE)


def test_from_intended_figures_add_the_schedule_lag():
    late = [job((0.2, 0.2), lag=2.0, at=float(i)) for i in range(100)]
    assert _judge("queue_wait.p95<1s", late).verdict is Verdict.PASS
    assert _judge("queue_wait_from_intended.p95<1s", late).verdict is Verdict.FAIL


def test_point_metrics_are_zero_width_intervals():
    records = jobs_from_waits([0.2] * 100)  # one poll each
    assert _judge("polls_per_job.p95<=1", records).verdict is Verdict.PASS
    assert _judge("polls_per_job.p95<1", records).verdict is Verdict.FAIL


@pytest.mark.parametrize(("text", "percentile", "per_job"), [
    ("queue_wait.p95<1s", 95.0, True), ("queue_wait.p99>=1s", 99.0, True),
    ("queue_wait.p95==1s", None, False), ("queue_wait.max<1s", None, True),
    ("queue_wait.max!=1s", None, False), ("queue_wait.mean<1s", None, False),
    ("lost==0", None, False),
])  # fmt: skip
def test_which_gates_are_per_job(text, percentile, per_job):
    slo = parse_slo(text)
    assert slo.percentile == percentile
    assert slo.per_job is per_job
    assert math.isfinite(slo.value)


def test_result_to_dict_names_every_field():
    result = _judge("queue_wait.p95<1s", jobs_from_waits([0.2] * 90))
    data = result.to_dict()
    assert set(data) == {"slo", "scope", "actual", "verdict", "passed", "explanation", "evidence"}
    assert (data["slo"], data["scope"], data["actual"]) == (
        "queue_wait.p95<1s",
        "queue-latency",
        None,
    )
    assert (data["verdict"], data["passed"]) == ("pass", True)
    assert data["explanation"] == result.explain()
    count = evaluate([parse_slo("lost==0")], {}, {"lost": 1})[0].to_dict()
    assert set(count) == {"slo", "scope", "actual", "verdict", "passed", "explanation"}
    assert (count["scope"], count["actual"], count["passed"]) == ("all", 1, False)


@pytest.mark.parametrize(
    ("text", "value"),
    [("queue_wait.p95<500ms", 0.5), ("queue_wait.p95<2m", 120.0), ("queue_wait.p95<250us", 2.5e-4),
     ("queue_wait.p95<3", 3.0), ("queue_wait.p95<3s", 3.0), ("goodput>=95%", 0.95)],
)  # fmt: skip
def test_units(text, value):
    assert parse_slo(text).value == pytest.approx(value)


def test_parse_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"bad SLO 'x ~ 3': use METRIC\[\.STAT\] OP VALUE"):
        parse_slo("x ~ 3")
    with pytest.raises(ValueError, match=r"stat must be one of p50, p90, p95, p99, max, mean"):
        parse_slo("queue_wait.p42<1s")


def test_scopes_name_the_scenario_or_say_none_ran():
    slo = parse_slo("queue_wait.p95<1s")
    none_ran = evaluate([slo], {}, {})[0]
    assert none_ran.scope == "(no scenario ran)"
    assert none_ran.verdict is Verdict.FAIL
    by_value = evaluate([slo], {"cancel": {"queue_wait": {"p95": 0.5}}}, {})[0]
    assert by_value.scope == "cancel"
    no_jobs = evaluate([slo], {"cancel": {"queue_wait": {"p95": 0.5}}}, {}, {"other": []})[0]
    assert (no_jobs.scope, no_jobs.verdict, no_jobs.share) == ("cancel", Verdict.PASS, None)


def test_le_gates_allow_the_same_small_share_as_lt_gates():
    records = jobs_from_waits([0.2] * 80 + [2.0] * 20)
    assert _judge("queue_wait.p95<=1s", records).verdict is Verdict.FAIL
    assert _judge("queue_wait.p95<1s", records).verdict is Verdict.FAIL
    assert _judge("queue_wait.p50>=1s", jobs_from_waits([2.0] * 100)).verdict is Verdict.PASS


def test_max_gate_results_keep_their_slo_and_scope():
    metrics = {"queue-latency": {"queue_wait": {"max": 0.2}}}
    result = _judge("queue_wait.max<1s", jobs_from_waits([0.2] * 5), metrics)
    assert result.actual == 0.2
    assert result.slo.text == "queue_wait.max<1s"
    assert result.scope == "queue-latency"
    assert result.explain() == "5 jobs: 5 under, 0 over, 0 undecided"
    over_and_open = _judge("queue_wait.max<1s", [job((2.0, 3.0)), job((0.9, 1.1))])
    assert over_and_open.explain() == "2 jobs: 0 under, 1 over, 1 undecided"
