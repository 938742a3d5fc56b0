"""The fleet simulator against queueing theory and hand-worked schedules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from harness.model.fleet import (
    Arrivals,
    Fleet,
    ServiceLaw,
    batch_interval,
    max_rate_for,
    nearest_rank,
    replay,
    simulate,
    workers_for,
)


def test_fifo_on_two_workers_by_hand():
    run = replay(Fleet(2), [0, 0, 0, 1, 5], [4, 2, 3, 1, 1])
    # job 2 waits for job 1's worker (free at 2); job 3 for job 2's (free at 4)... in order
    assert run.start.tolist() == [0, 0, 2, 4, 5]
    assert run.finish.tolist() == [4, 2, 5, 5, 6]
    assert run.waits.tolist() == [0, 0, 2, 3, 0]
    assert run.cold.tolist() == [True, True, False, False, False]
    assert run.failed.tolist() == [False] * 5


def test_cold_starts_first_job_and_after_a_long_idle_and_warm_workers_go_first():
    fleet = Fleet(2, cold_start=10.0, keep_warm=5.0)
    run = replay(fleet, [0, 20, 21, 40], [1, 1, 1, 1])
    # job 0: cold (first), ends 11. job 1 at 20: worker idle 9 s > 5 -> cold again, ends 31.
    # job 2 at 21: the other worker never ran -> cold. job 3 at 40: job 2's worker freed at 32
    # (idle 8 s, cold), job 1's at 31 (idle 9 s): the one freed last is taken, still cold.
    assert run.cold.tolist() == [True, True, True, True]
    assert run.finish.tolist() == [11, 31, 32, 51]
    warm = replay(Fleet(2, cold_start=10.0, keep_warm=5.0), [0, 0, 12, 13.5], [1, 3, 1, 1])
    # both workers busy from 0 (cold, free at 11 and 13). Job 2 at 12 takes the worker free
    # since 11 (warm: idle 1 s). At 13.5 two are free (13, 13): the last freed, warm.
    assert warm.cold.tolist() == [True, True, False, False]
    assert warm.start.tolist() == [0, 0, 12, 13.5]
    never = replay(Fleet(1, cold_start=2.0), [0, 100], [1, 1])
    assert never.cold.tolist() == [True, False]  # keep_warm defaults to forever


def test_the_warm_worker_is_the_one_freed_last():
    fleet = Fleet(2, cold_start=5.0, keep_warm=2.5)
    run = replay(fleet, [0, 0, 10, 10.5], [1, 3, 1, 1])
    # free at 6 and 8; job 2 at 10 takes the one freed at 8 (idle 2 <= 2.5: warm)
    assert run.cold.tolist() == [True, True, False, True]
    assert run.finish[2] == 11


def test_mm1_p95_and_md1_mean_wait_match_theory():
    mm1 = simulate(Fleet(1), ServiceLaw(1.0, 1.0, "gamma"), Arrivals("poisson", 0.5), 300_000, 1)
    assert mm1.summary().p95 == pytest.approx(2 * math.log(10), rel=0.05)
    md1 = simulate(Fleet(1), ServiceLaw(1.0, 0.0), Arrivals("poisson", 0.7), 300_000, 2)
    assert float(np.mean(md1.waits)) == pytest.approx(0.7 / (2 * 0.3), rel=0.05)  # P-K formula
    assert md1.utilisation == pytest.approx(0.7, rel=0.02)
    mm2 = simulate(Fleet(2), ServiceLaw(1.0, 1.0, "gamma"), Arrivals("poisson", 1.0), 300_000, 3)
    assert float(np.mean(mm2.waits > 0)) == pytest.approx(1 / 3, rel=0.03)  # Erlang C(2, 1)


def test_runs_are_seeded_and_paired():
    law, arr = ServiceLaw(1.0, 0.5), Arrivals("poisson", 1.5)
    a, b = simulate(Fleet(2), law, arr, 500, 4), simulate(Fleet(2), law, arr, 500, 4)
    assert np.array_equal(a.start, b.start)
    faster = simulate(Fleet(2), law, arr.with_rate(3.0), 500, 4)
    assert np.allclose(faster.arrival * 2, a.arrival)  # the same arrivals, time-scaled
    assert np.allclose(faster.finish - faster.start, a.finish - a.start)  # the same jobs
    assert np.all(faster.waits >= a.waits - 1e-9)
    more = simulate(Fleet(3), law, arr, 500, 4)
    assert np.all(more.waits <= a.waits + 1e-9)
    assert not np.array_equal(simulate(Fleet(2), law, arr, 500, 5).start, a.start)


def test_failures_end_a_job_part_way():
    law, arr = ServiceLaw(2.0, 0.0), Arrivals("constant", 0.1)
    failing = simulate(Fleet(1, failure_rate=1.0), law, arr, 1000, 0)
    held = failing.finish - failing.start
    assert failing.failed.all()
    assert held.max() < 2.0
    assert float(np.mean(held)) == pytest.approx(1.0, rel=0.1)  # a uniform part of 2 s
    some = simulate(Fleet(1, failure_rate=0.2), law, arr, 5000, 0)
    assert float(np.mean(some.failed)) == pytest.approx(0.2, abs=0.02)
    assert not simulate(Fleet(1), law, arr, 100, 0).failed.any()


def test_arrival_processes():
    rng = np.random.default_rng(0)
    assert Arrivals("constant", 4.0).draw(rng, 4).tolist() == [0, 0.25, 0.5, 0.75]
    bursts = Arrivals("bursts", 6.0, burst=3).draw(np.random.default_rng(1), 30_000)
    assert bursts.size == 30_000
    assert np.all(bursts[0::3] == bursts[2::3])
    assert np.all(np.diff(bursts[::3]) > 0)
    assert (bursts.size - 1) / bursts[-1] == pytest.approx(6.0, rel=0.03)
    poisson = Arrivals("poisson", 50.0).draw(np.random.default_rng(2), 50_000)
    assert (poisson.size - 1) / poisson[-1] == pytest.approx(50.0, rel=0.02)
    gaps = np.diff(poisson)
    assert float(np.std(gaps) / np.mean(gaps)) == pytest.approx(1.0, rel=0.03)
    day = Arrivals("diurnal", 10.0, amplitude=0.8, period=100.0)
    times = day.draw(np.random.default_rng(3), 100_000)
    assert np.all(np.diff(times) >= 0)
    whole = times[times < 100.0 * math.floor(times[-1] / 100.0)]
    assert whole.size / (100.0 * math.floor(times[-1] / 100.0)) == pytest.approx(10.0, rel=0.03)
    phase = np.mod(times, 100.0)
    peak, trough = np.sum((phase > 15) & (phase < 35)), np.sum((phase > 65) & (phase < 85))
    assert peak / trough > 5  # sin peaks at a quarter period, troughs at three quarters
    trace = Arrivals("replay", times=(10.0, 12.0, 11.0, 14.0))
    assert trace.draw(rng, 99).tolist() == [0, 1, 2, 4]
    assert trace.mean_rate == pytest.approx(0.75)
    assert Arrivals("replay", 1.5, times=(10.0, 12.0, 11.0, 14.0)).draw(rng, 0).tolist() == [
        0, 0.5, 1.0, 2.0,
    ]  # fmt: skip


@pytest.mark.parametrize("family", ["lognormal", "gamma"])
def test_service_laws_have_their_mean_and_cv(family):
    draws = ServiceLaw(3.0, 0.6, family).draw(np.random.default_rng(0), 400_000)
    assert float(np.mean(draws)) == pytest.approx(3.0, rel=0.01)
    assert float(np.std(draws) / np.mean(draws)) == pytest.approx(0.6, rel=0.02)
    assert ServiceLaw(3.0, 0.6, family).cv2 == pytest.approx(0.36)


def test_measured_service_times_are_resampled():
    law = ServiceLaw.measured([1.0, 2.0, 6.0])
    assert law.expected == 3.0
    assert law.cv2 == pytest.approx((14 / 3) / 9)
    draws = law.draw(np.random.default_rng(0), 3000)
    assert set(draws.tolist()) == {1.0, 2.0, 6.0}
    assert ServiceLaw(2.0).draw(np.random.default_rng(0), 3).tolist() == [2.0] * 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: ServiceLaw(0.0), "mean service"),
        (lambda: ServiceLaw(1.0, -0.1), "CV"),
        (lambda: ServiceLaw(1.0, 0.5, "weibull"), "family"),
        (lambda: ServiceLaw(samples=(0.0, 0.0)), "all be zero"),
        (lambda: ServiceLaw(samples=(1.0, -1.0)), ">= 0"),
        (lambda: Arrivals("weekly"), "arrivals are one of"),
        (lambda: Arrivals("poisson", 0.0), "rate"),
        (lambda: Arrivals("replay", times=(1.0,)), "two finite"),
        (lambda: Arrivals("bursts", 1.0, burst=0), "burst"),
        (lambda: Arrivals("diurnal", 1.0, amplitude=1.5), "amplitude"),
        (lambda: Fleet(0), "workers"),
        (lambda: Fleet(1, cold_start=-1), "cold start"),
        (lambda: Fleet(1, failure_rate=2), "failure rate"),
        (lambda: replay(Fleet(1), [1, 0], [1, 1]), "in order"),
        (lambda: replay(Fleet(1), [0, 1], [1]), "one service time"),
    ],
)
def test_bad_parameters_say_what_is_wrong(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_nearest_rank_and_batch_interval():
    assert nearest_rank([5, 1, 4, 2, 3], 0.5) == 3
    assert nearest_rank([5, 1, 4, 2, 3], 0.95) == 5
    assert nearest_rank([5, 1, 4, 2, 3], 0.2) == 1
    assert nearest_rank(list(range(1, 101)), 0.95) == 95
    with pytest.raises(ValueError, match="no values"):
        nearest_rank([], 0.5)
    assert batch_interval(np.arange(10.0), 0.95) == (-math.inf, math.inf)
    low, high = batch_interval(np.random.default_rng(0).exponential(1.0, 40_000), 0.95)
    assert low < math.log(20) < high
    assert high - low < 0.2


def test_searches_find_the_fewest_workers_and_the_highest_rate():
    law, arr = ServiceLaw(1.0, 0.5), Arrivals("poisson", 6.0)
    need = workers_for(0.2, Fleet(1), law, arr, jobs=20_000, seed=1)
    assert need is not None
    p95 = [
        nearest_rank(simulate(Fleet(c), law, arr, 20_000, 1).waits, 0.95) for c in (need - 1, need)
    ]
    assert p95[0] > 0.2 >= p95[1]
    assert workers_for(0.2, Fleet(1), law, Arrivals("poisson", 0.01), jobs=2000) == 1
    assert workers_for(0.0, Fleet(1), law, arr, jobs=2000, limit=7) is None
    rate = max_rate_for(1.0, Fleet(2), law, jobs=20_000, seed=2)
    at = nearest_rank(simulate(Fleet(2), law, Arrivals("poisson", rate), 20_000, 2).waits, 0.95)
    above = simulate(Fleet(2), law, Arrivals("poisson", rate * 1.01), 20_000, 2).waits
    assert at <= 1.0 < nearest_rank(above, 0.95)
