"""Pure measurement: intervals, histograms, accounting, capacity model, advice, SLOs, CIs."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.client.records import History, JobStatus, Poll
from harness.load.measure.accounting import Accounting, AccountingError
from harness.load.measure.advice import PolicyPoint, advise, predict_backoff, predict_fixed
from harness.load.measure.arrivals import ArrivalSchedule
from harness.load.measure.capacity import CapacityModel, erlang_c
from harness.load.measure.confidence import bootstrap_interval, t_interval
from harness.load.measure.histograms import MetricHistograms
from harness.load.measure.intervals import job_times
from harness.load.measure.slo import evaluate, parse_slo


def _status(word: str) -> JobStatus:
    return JobStatus("r", word, 0 if word == "in_queue" else None, raw={})


def _history(created: float, start: float, end: float, polls: list[tuple[float, float]]) -> History:
    """Polls read the true state at the midpoint of [sent, received]."""
    h = History("r", submit_sent=created - 0.01, submit_acked=created + 0.01)
    for sent, received in polls:
        at = (sent + received) / 2
        word = "in_queue" if at < start else "in_progress" if at < end else "completed"
        h.polls.append(Poll(sent, received, _status(word)))
    return h


@settings(max_examples=200, deadline=None)
@given(
    wait=st.floats(0, 5),
    run=st.floats(0.01, 5),
    interval=st.floats(0.01, 1),
    rtt=st.floats(0, 0.05),
)
def test_true_figures_lie_within_their_intervals(wait, run, interval, rtt):
    created = 1000.0
    start, end = created + wait, created + wait + run
    polls, t = [], created + 0.01
    while t < end + 2 * interval + rtt:
        polls.append((t, t + rtt))
        t += interval + rtt
    times = job_times(_history(created, start, end, polls))
    assert times.queue_wait is not None
    assert times.run_time is not None
    assert times.queue_wait.contains(wait, 1e-9)
    assert times.run_time.contains(run, 1e-9)
    assert times.end_to_end is not None
    assert times.end_to_end.contains(wait + run, 1e-9)
    assert times.detection_delay is not None
    assert times.detection_delay.width <= interval + 2 * rtt + 0.02 + 1e-9  # + submit RTT


def test_metrics_md_bounds_for_a_hand_made_history():
    h = History("r", submit_sent=10.0, submit_acked=10.1)
    for sent, word in ((11.0, "in_queue"), (12.0, "in_progress"), (13.0, "completed")):
        h.polls.append(Poll(sent, sent + 0.1, _status(word)))
    times = job_times(h)
    assert times.queue_wait is not None
    assert times.run_time is not None
    assert (times.queue_wait.lower, times.queue_wait.upper) == pytest.approx((0.9, 2.1))
    assert times.queue_wait.point == pytest.approx(1.5)
    assert (times.run_time.lower, times.run_time.upper) == pytest.approx((0.0, 2.1))


def test_histograms_merge_across_workers_like_one():
    rng = random.Random(1)
    values = [rng.expovariate(1.0) for _ in range(3000)]
    whole, parts = MetricHistograms(), [MetricHistograms() for _ in range(3)]
    for i, v in enumerate(values):
        whole.record("queue_wait", v)
        parts[i % 3].record("queue_wait", v)
    merged = MetricHistograms()
    for part in parts:
        merged.merge_encoded(part.encode())
    assert merged.summaries() == whole.summaries()
    p95 = sorted(values)[int(0.95 * len(values)) - 1]
    summary = merged.summary("queue_wait")
    assert summary is not None
    assert summary.p95 == pytest.approx(p95, rel=2e-3)


def test_accounting_adds_up_or_refuses():
    acc = Accounting.of(["completed", "lost", "rejected", "completed"]).check()
    assert acc.to_dict() == {
        "submitted": 4,
        "completed": 2,
        "failed": 0,
        "cancelled": 0,
        "lost": 1,
        "rejected": 1,
        "unaccounted": 0,
    }
    with pytest.raises(AccountingError):
        Accounting.of(["vanished"])
    with pytest.raises(AccountingError):
        Accounting(3, {"completed": 2}).check()
    # the transport's own count of submits sent: a submit without its record is caught
    assert Accounting.of(["completed", "lost"], submitted=2).check().submitted == 2
    with pytest.raises(AccountingError):
        Accounting.of(["completed", "lost"], submitted=3).check()


def test_submit_counts_merge_across_processes():
    from harness.load.measure.results import RunResults, merge_results

    master = RunResults("queue-latency")  # counts nothing: its workers submit
    workers = [RunResults("queue-latency", submits_sent=n) for n in (3, 4)]
    assert merge_results([master, *workers]).submits_sent == 7
    assert merge_results([master]).submits_sent is None
    again = RunResults.from_json(workers[0].to_json())
    assert again.submits_sent == 3


def test_erlang_c_known_values():
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert erlang_c(4, 4.0) == 1.0


def test_capacity_model_matches_mm1_and_finds_the_target_rate():
    model = CapacityModel(servers=1, mean_service=1.0, cv2_service=1.0)
    # M/M/1 at rho=0.5: P(W > t) = 0.5 exp(-0.5 t) -> p95 = 2 ln 10
    assert model.wait_quantile(0.5) == pytest.approx(2 * math.log(10))
    rate = model.max_rate(target_wait=2.0)
    assert model.wait_quantile(rate) == pytest.approx(2.0, rel=1e-3)
    assert model.wait_quantile(1.0) == math.inf


def test_advice_picks_the_cheapest_policy_within_the_delay_budget():
    points = [
        PolicyPoint("fixed 0.1s", 10, 40, 0.05, 0.1, 4.0),
        PolicyPoint("fixed 0.5s", 10, 8, 0.25, 0.5, 4.2),
        PolicyPoint("fixed 2s", 10, 2, 1.0, 2.0, 5.0),
    ]
    advice = advise(points)
    assert advice.recommended == "fixed 0.5s"
    assert {d.policy for d in advice.common_defaults} == {"fixed 1s", "backoff 5s x1.5 cap 45s"}
    assert predict_fixed(1.0, 10.0) == (10.0, 0.5)
    assert predict_backoff(5, 1.5, 45, 10.0)[0] == 2.0


def test_slo_parser_and_gates():
    slo = parse_slo("queue_wait.p95 < 500ms")
    assert (slo.metric, slo.stat, slo.op, slo.value) == ("queue_wait", "p95", "<", 0.5)
    results = evaluate(
        [slo, parse_slo("lost==0"), parse_slo("run_time.p99<1s")],
        {"queue-latency": {"queue_wait": {"p95": 0.7}}, "cancel": {"queue_wait": {"p95": 0.2}}},
        {"lost": 0},
    )
    judged = [(r.slo.text, r.scope, r.passed) for r in results]
    assert judged == [
        ("queue_wait.p95 < 500ms", "queue-latency", False),  # every scenario is judged
        ("queue_wait.p95 < 500ms", "cancel", True),
        ("lost==0", "all", True),  # counts once, on the run's totals
        ("run_time.p99<1s", "queue-latency", False),  # missing data fails
        ("run_time.p99<1s", "cancel", False),
    ]
    assert not evaluate([slo], {}, {})[0].passed  # no scenario ran: nothing can pass
    for bad in ("queue_wait.p42<1s", "p95<", "x.p95 ~ 3"):
        with pytest.raises(ValueError, match="bad SLO"):
            parse_slo(bad)


def test_confidence_intervals_cover_the_mean():
    values = [1.0, 1.2, 0.9, 1.1, 1.05]
    t = t_interval(values)
    b = bootstrap_interval(values)
    assert t.low < 1.05 < t.high
    assert b.low <= 1.05 <= b.high
    assert math.isinf(t_interval([1.0]).high)


def test_arrivals_are_open_loop_and_seeded():
    constant = list(ArrivalSchedule(4.0, "constant").offsets(1.0))
    assert constant == [0.0, 0.25, 0.5, 0.75]
    poisson = list(ArrivalSchedule(50.0, "poisson", seed=3).offsets(20.0))
    assert poisson == list(ArrivalSchedule(50.0, "poisson", seed=3).offsets(20.0))
    assert 900 < len(poisson) < 1100
