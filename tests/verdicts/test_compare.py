"""Comparing runs: the interval's arithmetic, its seeding, and its alarm rate on simulated runs."""

from __future__ import annotations

import math
import random

import pytest

from harness.load.measure.compare import (
    Change,
    Status,
    block_length,
    block_resample,
    compare_runs,
    compare_values,
    percentile_interval,
    values_of,
)

from .jobsets import job, lognormal_waits
from .simruns import simulated_run


def test_block_length_is_about_the_square_root():
    assert [block_length(n) for n in (0, 1, 3, 4, 99, 100, 10_000)] == [1, 1, 1, 2, 9, 10, 100]


def test_block_resample_keeps_runs_of_consecutive_jobs():
    values = [float(i) for i in range(10)]
    out = block_resample(values, random.Random(3), 4)
    assert len(out) == 10
    for start in (0, 4):  # two whole blocks, then a cut one
        first = int(out[start])
        assert out[start : start + 4] == [float((first + i) % 10) for i in range(4)]
    assert block_resample(values, random.Random(3), 4) == out  # seeded: reproducible
    assert block_resample(values, random.Random(4), 4) != out


class _CountingRng:
    def __init__(self) -> None:
        self.calls = 0

    def randrange(self, n: int) -> int:
        self.calls += 1
        return 0


def test_block_resample_draws_only_the_blocks_it_needs():
    rng = _CountingRng()
    assert block_resample([1.0, 2.0, 3.0, 4.0], rng, 2) == [1.0, 2.0, 1.0, 2.0]
    assert rng.calls == 2
    rng = _CountingRng()
    assert block_resample([1.0, 2.0, 3.0], rng, 2) == [1.0, 2.0, 1.0]
    assert rng.calls == 2


def test_percentile_interval_cuts_each_tail():
    values = [float(i) for i in range(100, 0, -1)]  # 100..1, unsorted
    assert percentile_interval(values, 0.9) == (5.0, 95.0)  # (1 - 0.9) / 2 * 100 is 4.999...
    assert percentile_interval(values, 0.98) == (2.0, 99.0)
    assert percentile_interval(values, 0.5) == (26.0, 75.0)
    assert percentile_interval([3.0], 0.99) == (3.0, 3.0)


def _change(low: float, high: float, change: float = 0.2) -> Change:
    return Change("queue_wait", 50.0, 1.0, 1.0 + change, change, low, high, 100, 100, 0.99)


def test_status_and_alarm():
    assert _change(0.01, 0.4).status is Status.REGRESSED
    assert _change(-0.4, -0.01, -0.2).status is Status.IMPROVED
    assert _change(0.0, 0.4).status is Status.UNCHANGED  # an interval touching zero: no claim
    assert _change(-0.4, 0.0).status is Status.UNCHANGED
    assert _change(0.01, 0.4).alarms(0.1)
    assert not _change(0.01, 0.4, change=0.1).alarms(0.1)  # significant, but not beyond 10%
    assert not _change(-0.01, 0.4, change=0.3).alarms(0.1)  # beyond 10%, but not significant
    data = _change(0.01, 0.4).to_dict()
    assert data["statistic"] == "p50"
    assert data["status"] == "regressed"
    assert (data["old_jobs"], data["new_jobs"], data["confidence"]) == (100, 100, 0.99)


def test_same_values_change_nothing_and_shifted_values_regress():
    values = lognormal_waits(200, 1.0, seed=1)
    same = compare_values("queue_wait", values, values)
    assert same.change == 0.0
    assert same.status is Status.UNCHANGED
    slower = compare_values("queue_wait", values, [v * 1.2 for v in values], percentile=95.0)
    assert slower.change == pytest.approx(0.2)
    assert slower.status is Status.REGRESSED
    assert slower.low < 0.2 < slower.high
    assert slower.percentile == 95.0
    faster = compare_values("queue_wait", values, [v * 0.8 for v in values])
    assert faster.status is Status.IMPROVED
    assert compare_values("queue_wait", values, values[::-1], seed=5) == compare_values(
        "queue_wait", values, values[::-1], seed=5)  # fmt: skip


def test_defaults_and_what_a_change_carries():
    old, new = lognormal_waits(64, 1.0, seed=4), lognormal_waits(49, 1.0, seed=5)
    default = compare_values("queue_wait", old, new)
    assert default == compare_values("queue_wait", old, new, percentile=50.0, seed=0,
                                     confidence=0.99, resamples=1000)  # fmt: skip
    assert (default.old_jobs, default.new_jobs, default.confidence) == (64, 49, 0.99)
    wider = compare_values("queue_wait", old, new, confidence=0.5)
    assert wider.low >= default.low
    assert wider.high <= default.high
    assert default.to_dict() == {
        "metric": "queue_wait", "statistic": "p50", "old": default.old, "new": default.new,
        "change": default.change, "low": default.low, "high": default.high, "old_jobs": 64,
        "new_jobs": 49, "confidence": 0.99, "status": default.status.value,
    }  # fmt: skip


def test_zero_and_infinite_figures():
    assert compare_values("q", [0.0] * 5, [0.0] * 5).change == 0.0
    assert compare_values("q", [0.0] * 5, [1.0] * 5).change == math.inf
    every_fifth_lost = [math.inf if i % 5 == 0 else 1.0 for i in range(50)]
    lost = compare_values("q", [1.0] * 50, every_fifth_lost, percentile=95.0)
    assert lost.new == math.inf
    assert lost.change == math.inf
    assert lost.status is Status.REGRESSED
    assert compare_values("q", [math.inf] * 5, [1.0] * 5).change == -1.0


def test_refuses_empty_runs_and_bad_confidence():
    with pytest.raises(ValueError, match="cannot be compared"):
        compare_values("q", [], [1.0])
    with pytest.raises(ValueError, match="cannot be compared"):
        compare_values("q", [1.0], [])
    for bad in (0.0, 1.0):
        with pytest.raises(ValueError, match="confidence"):
            compare_values("q", [1.0], [1.0], confidence=bad)


def test_values_of_orders_by_intended_time_and_keeps_misses():
    records = [job((3.0, 3.0), at=2.0), job((1.0, 1.0), at=0.0), job(outcome="lost", at=1.0),
               job(None, outcome="cancelled", at=3.0)]  # fmt: skip
    assert values_of(records, "queue_wait") == [1.0, math.inf, 3.0]
    assert values_of([job((1.0, 2.0))], "queue_wait") == [1.5]  # the midpoint
    records[0].warmup = True
    assert values_of(records, "queue_wait") == [1.0, math.inf]


def test_compare_runs_covers_shared_scenarios_and_measured_metrics():
    old = {"a": [job((1.0, 1.0), at=float(i)) for i in range(20)], "b": [job()]}
    new = {"a": [job((2.0, 2.0), at=float(i)) for i in range(20)], "c": [job()]}
    changes = compare_runs(old, new, metrics=("detection_delay", "queue_wait"))
    assert [(c.scenario, c.change.metric, c.change.percentile) for c in changes] == [
        ("a", "queue_wait", 50.0), ("a", "queue_wait", 95.0)]  # fmt: skip
    assert all(c.change.status is Status.REGRESSED for c in changes)
    only_old = {"a": [job((1.0, 1.0), at=float(i)) for i in range(20)]}
    only_new = {"a": [job((1.0, 1.0), run_time=None, at=float(i)) for i in range(20)]}
    measured = compare_runs(only_old, only_new, metrics=("run_time", "queue_wait"))
    assert [c.change.metric for c in measured] == ["queue_wait", "queue_wait"]


def test_compare_runs_passes_its_seed_and_confidence_on():
    old = {"a": [job((w, w), at=float(i)) for i, w in enumerate(lognormal_waits(40, 1.0, 6))]}
    new = {"a": [job((w, w), at=float(i)) for i, w in enumerate(lognormal_waits(40, 1.0, 7))]}
    first = compare_runs(old, new, metrics=("queue_wait",), percentiles=(95.0,), seed=3,
                         confidence=0.9)[0].change  # fmt: skip
    assert first == compare_values("queue_wait", values_of(old["a"], "queue_wait"),
                                   values_of(new["a"], "queue_wait"), percentile=95.0, seed=3,
                                   confidence=0.9)  # fmt: skip
    assert compare_runs(old, new)[0].change == compare_runs(old, new, seed=0)[0].change


def _alarm(old: dict[str, list[float]], new: dict[str, list[float]], seed: int) -> bool:
    return any(
        compare_values(m, old[m], new[m], percentile=p, seed=seed).alarms(0.10)
        for m in ("queue_wait", "run_time", "end_to_end")
        for p in (50.0, 95.0)
    )


@pytest.mark.slow
def test_reruns_of_one_configuration_rarely_alarm_and_a_20pct_slower_server_always_does():
    """One-minute runs on the model (2 GPUs at 80% load, Poisson arrivals), seeded.

    Queue waits are correlated in time, so this is where a job-by-job bootstrap cries wolf.
    """
    runs = [simulated_run(seed) for seed in range(20)]
    false_alarms = sum(_alarm(runs[2 * i], runs[2 * i + 1], i) for i in range(10))
    assert false_alarms <= 1  # at least 9 of 10 reruns raise no alarm
    slow = [simulated_run(100 + i, time_per_step=0.07 * 1.2) for i in range(10)]
    detected = sum(_alarm(runs[2 * i], slow[i], i) for i in range(10))
    assert detected == 10
