"""Comparing runs: busy spells, the interval's arithmetic and seeding, its alarm rate on simulated
runs."""

from __future__ import annotations

import math
import random

import pytest

from harness.load.measure.compare import (
    Change,
    Status,
    compare_runs,
    compare_values,
    percentile_interval,
    spell_shuffle,
    spells,
    spells_of,
)
from harness.load.measure.jobs import JobRecord

from .jobsets import job, lognormal_waits
from .simruns import simulated_run


def test_spells_are_cut_before_each_job_that_found_a_free_gpu():
    assert spells([1.0, 2.0, 3.0, 4.0, 5.0], [True, False, True, True, False]) == [
        [1.0, 2.0], [3.0], [4.0, 5.0]]  # fmt: skip
    assert spells([1.0, 2.0, 3.0], [False, False, True]) == [[1.0, 2.0], [3.0]]  # first opens
    assert spells([], []) == []
    with pytest.raises(ValueError, match="shorter"):  # one flag per value
        spells([1.0, 2.0], [True])


def _assert_whole_spells(values: list[float], run: list[list[float]]) -> None:
    i = 0
    while i < len(values):  # each piece is a whole spell, only the last may be cut
        spell = next(s for s in run if values[i] in s)
        assert values[i : i + len(spell)] == spell[spell.index(values[i]) :][: len(values) - i]
        i += len(spell) - spell.index(values[i])


def test_spell_shuffle_splits_the_pooled_spells_kept_whole_but_one():
    run = [[1.0, 2.0, 3.0], [10.0], [20.0, 21.0], [30.0]]
    splits = [spell_shuffle(run, random.Random(k), 4) for k in range(30)]
    for first, rest in splits:
        assert len(first) == 4
        assert sorted(first + rest) == [1.0, 2.0, 3.0, 10.0, 20.0, 21.0, 30.0]
        _assert_whole_spells(first + rest, run)
    assert spell_shuffle(run, random.Random(3), 4) == splits[3]  # seeded: reproducible
    assert len({tuple(first) for first, _ in splits}) > 5
    assert run == [[1.0, 2.0, 3.0], [10.0], [20.0, 21.0], [30.0]]  # the caller's list untouched


class _ReversingRng:
    def shuffle(self, items: list[list[float]]) -> None:
        items.reverse()


def test_spell_shuffle_cuts_the_shuffled_values_after_n():
    run = [[1.0, 2.0], [3.0], [4.0, 5.0, 6.0]]
    assert spell_shuffle(run, _ReversingRng(), 2) == ([4.0, 5.0], [6.0, 3.0, 1.0, 2.0])
    assert spell_shuffle(run, _ReversingRng(), 6) == ([4.0, 5.0, 6.0, 3.0, 1.0, 2.0], [])


def test_percentile_interval_cuts_each_tail():
    values = [float(i) for i in range(100, 0, -1)]  # 100..1, unsorted
    assert percentile_interval(values, 0.9) == (5.0, 95.0)  # (1 - 0.9) / 2 * 100 is 4.999...
    assert percentile_interval(values, 0.98) == (2.0, 99.0)
    assert percentile_interval(values, 0.5) == (26.0, 75.0)
    assert percentile_interval([3.0], 0.99) == (3.0, 3.0)


def _change(low: float, high: float, change: float = 0.2) -> Change:
    return Change("queue_wait", 50.0, 1.0, 1.0 + change, change, low, high, 100, 100, 40, 30, 0.99)


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
    assert (data["old_spells"], data["new_spells"]) == (40, 30)


def _each(values: list[float]) -> list[list[float]]:
    """Independent jobs: every job a spell of its own."""
    return [[v] for v in values]


def test_same_values_change_nothing_and_shifted_values_regress():
    values = lognormal_waits(200, 1.0, seed=1)
    same = compare_values("queue_wait", _each(values), _each(values))
    assert same.change == 0.0
    assert same.status is Status.UNCHANGED
    slower = compare_values("queue_wait", _each(values), _each([v * 1.2 for v in values]),
                            percentile=95.0)  # fmt: skip
    assert slower.change == pytest.approx(0.2)
    assert slower.status is Status.REGRESSED
    assert slower.low < 0.2 < slower.high
    assert slower.percentile == 95.0
    faster = compare_values("queue_wait", _each(values), _each([v * 0.8 for v in values]))
    assert faster.status is Status.IMPROVED
    assert compare_values("queue_wait", _each(values), _each(values[::-1]), seed=5) == (
        compare_values("queue_wait", _each(values), _each(values[::-1]), seed=5))  # fmt: skip


def test_a_tail_made_by_one_busy_spell_is_no_evidence():
    """Two runs alike but for their one long spell, which makes the p95: the new run's spell
    waited 50% longer. Another rerun could as well have had no such spell at all: the change
    is not significant. Resampled job by job, the same values cry wolf."""
    calm = lognormal_waits(85, 0.1, seed=2)
    old_burst = [1.0 + 0.05 * i for i in range(20)]
    new_burst = [1.5 * v for v in old_burst]
    by_spell = compare_values("queue_wait", [*_each(calm), old_burst],
                              [*_each(calm), new_burst], percentile=95.0)  # fmt: skip
    assert by_spell.change == pytest.approx(0.5)
    assert by_spell.status is Status.UNCHANGED
    assert by_spell.low < -0.5
    by_job = compare_values("queue_wait", _each(calm + old_burst), _each(calm + new_burst),
                            percentile=95.0)  # fmt: skip
    assert by_job.status is Status.REGRESSED
    assert (by_job.old_jobs, by_job.new_jobs) == (by_spell.old_jobs, by_spell.new_jobs)
    assert by_spell.old_jobs == by_spell.new_jobs == 105


def test_defaults_and_what_a_change_carries():
    old, new = _each(lognormal_waits(64, 1.0, seed=4)), _each(lognormal_waits(49, 1.0, seed=5))
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
        "new_jobs": 49, "old_spells": 64, "new_spells": 49, "confidence": 0.99,
        "status": default.status.value,
    }  # fmt: skip


def test_zero_and_infinite_figures():
    assert compare_values("q", _each([0.0] * 5), _each([0.0] * 5)).change == 0.0
    assert compare_values("q", _each([0.0] * 5), _each([1.0] * 5)).change == math.inf
    every_fifth_lost = [math.inf if i % 5 == 0 else 1.0 for i in range(150)]
    lost = compare_values("q", _each([1.0] * 150), _each(every_fifth_lost), percentile=95.0)
    assert lost.new == math.inf
    assert lost.change == math.inf
    assert lost.status is Status.REGRESSED
    assert compare_values("q", _each([math.inf] * 5), _each([1.0] * 5)).change == -1.0


def test_an_interval_is_unbounded_where_reruns_alone_reach_zero_or_infinity():
    # half the jobs waited nothing: a rerun's p50 is as likely 0 as 1 s, so from 0 to 1 s
    # ("+inf%") nothing can be told either way
    half = compare_values("q", _each([0.0] * 5 + [1.0] * 5), _each([0.0] * 4 + [1.0] * 6))
    assert (half.change, half.low, half.high) == (math.inf, -1.0, math.inf)
    # every old job took a second, every new one nothing: a split of them can give 1 s -> 0 s
    # as well as 0 s -> 1 s, so the change is not bounded above
    gone = compare_values("q", _each([1.0] * 30), _each([0.0] * 30))
    assert (gone.change, gone.low, gone.high) == (-1.0, -1.0, math.inf)
    # one job in five lost, against none: a split of 30 lost among 300 rarely leaves one run
    # under the 8 it takes to make its p95 "never"; a server that stops losing them improved
    every_fifth_lost = [math.inf if i % 5 == 0 else 1.0 for i in range(150)]
    worse = compare_values("q", _each([1.0] * 150), _each(every_fifth_lost), percentile=95.0)
    assert (worse.change, worse.low, worse.high) == (math.inf, math.inf, math.inf)
    better = compare_values("q", _each(every_fifth_lost), _each([1.0] * 150), percentile=95.0)
    assert (better.change, better.low, better.high) == (-1.0, -1.0, -1.0)
    assert better.status is Status.IMPROVED


def test_empty_spells_are_skipped_and_empty_runs_refused():
    old, new = [[], [1.0, 2.0], [], [3.0]], [[2.0], [], [4.0, 6.0]]
    assert compare_values("q", old, new) == compare_values("q", [[1.0, 2.0], [3.0]],
                                                           [[2.0], [4.0, 6.0]])  # fmt: skip
    counted = compare_values("q", old, new)
    assert (counted.old_jobs, counted.new_jobs, counted.old_spells, counted.new_spells) == (
        3, 3, 2, 2)  # fmt: skip
    for empty in ([], [[]]):
        with pytest.raises(ValueError, match="cannot be compared"):
            compare_values("q", empty, [[1.0]])
        with pytest.raises(ValueError, match="cannot be compared"):
            compare_values("q", [[1.0]], empty)
    for bad in (0.0, 1.0):
        with pytest.raises(ValueError, match="confidence"):
            compare_values("q", [[1.0]], [[1.0]], confidence=bad)


def test_spells_of_orders_by_intended_time_keeps_misses_and_cuts_at_free_gpus():
    records = [job((3.0, 3.0), at=2.0), job((0.0, 0.1), at=0.0), job(outcome="lost", at=1.0),
               job(None, outcome="cancelled", at=3.0), job((0.0, 0.2), at=4.0),
               job((0.05, 0.15), at=5.0)]  # fmt: skip
    # the job at 0 found a GPU free (lower bound 0); the lost job and the ones seen queued did not
    assert spells_of(records, "queue_wait") == [[0.05, math.inf, 3.0], [0.1, 0.1]]
    assert spells_of(records, "run_time") == [[1.0, math.inf, 1.0], [1.0, 1.0]]
    assert spells_of([job((1.0, 2.0))], "queue_wait") == [[1.5]]  # the midpoint
    records[1].warmup = True
    assert spells_of(records, "queue_wait") == [[math.inf, 3.0], [0.1, 0.1]]
    no_wait = [job((1.0, 1.0), at=0.0), job(None, at=1.0), job((0.0, 0.0), at=2.0)]
    assert spells_of(no_wait, "run_time") == [[1.0, 1.0], [1.0]]  # no queue wait: no cut


def _free_and_busy(waits: list[float]) -> list[JobRecord]:
    return [job((0.0, 0.0) if i % 3 == 0 else (w, w), at=float(i)) for i, w in enumerate(waits)]


def test_compare_runs_covers_shared_scenarios_and_measured_metrics():
    old = {"a": _free_and_busy(lognormal_waits(20, 1.0, 8)), "b": [job()]}
    new = {"a": _free_and_busy(lognormal_waits(20, 3.0, 9)), "c": [job()]}
    changes = compare_runs(old, new, metrics=("detection_delay", "queue_wait"))
    assert [(c.scenario, c.change.metric, c.change.percentile) for c in changes] == [
        ("a", "queue_wait", 50.0), ("a", "queue_wait", 95.0)]  # fmt: skip
    assert all(c.change.status is Status.REGRESSED for c in changes)
    only_old = {"a": [job((1.0, 1.0), at=float(i)) for i in range(20)]}
    only_new = {"a": [job((1.0, 1.0), run_time=None, at=float(i)) for i in range(20)]}
    measured = compare_runs(only_old, only_new, metrics=("run_time", "queue_wait"))
    assert [c.change.metric for c in measured] == ["queue_wait", "queue_wait"]


def test_compare_runs_passes_its_seed_and_confidence_on_and_uses_the_spells():
    old = {"a": _free_and_busy(lognormal_waits(40, 1.0, 6))}
    new = {"a": _free_and_busy(lognormal_waits(40, 1.0, 7))}
    first = compare_runs(old, new, metrics=("queue_wait",), percentiles=(95.0,), seed=3,
                         confidence=0.9)[0].change  # fmt: skip
    old_spells, new_spells = spells_of(old["a"], "queue_wait"), spells_of(new["a"], "queue_wait")
    assert len(old_spells) == len(new_spells) == 14
    assert first == compare_values("queue_wait", old_spells, new_spells, percentile=95.0,
                                   seed=3, confidence=0.9)  # fmt: skip
    assert compare_runs(old, new)[0].change == compare_runs(old, new, seed=0)[0].change


def _spells(run: dict[str, list[float]], metric: str) -> list[list[float]]:
    return spells(run[metric], [wait <= 0.0 for wait in run["queue_wait"]])


def _alarm(old: dict[str, list[float]], new: dict[str, list[float]], seed: int) -> bool:
    return any(
        compare_values(m, _spells(old, m), _spells(new, m), percentile=p, seed=seed).alarms(0.10)
        for m in ("queue_wait", "run_time", "end_to_end")
        for p in (50.0, 95.0)
    )


@pytest.mark.slow
def test_reruns_of_one_configuration_rarely_alarm_and_a_20pct_slower_server_always_does():
    """One-minute runs on the model (2 GPUs at 80% load, Poisson arrivals), seeded; spells cut
    where a job's true queue wait is 0.

    Queue waits are correlated in time, so this is where a job-by-job bootstrap cries wolf
    (and where a bootstrap of each run on its own, even by spells, alarmed on 4% of pairs).
    """
    runs = [simulated_run(seed) for seed in range(20)]
    false_alarms = sum(_alarm(runs[i], runs[(i + 1) % 20], i) for i in range(20))
    assert false_alarms <= 2  # at least 9 in 10 reruns raise no alarm
    slow = [simulated_run(100 + i, time_per_step=0.07 * 1.2) for i in range(10)]
    detected = sum(_alarm(runs[2 * i], slow[i], i) for i in range(10))
    assert detected == 10
