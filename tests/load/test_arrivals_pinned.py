"""Open-loop schedules pinned: refusals, exact constant offsets, seeded Poisson and bursts."""

from __future__ import annotations

import random

import pytest

from harness.load.measure.arrivals import ArrivalSchedule


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": 0.0}, "^arrival rate must be > 0$"),
        ({"rate": -1.0}, "^arrival rate must be > 0$"),
        ({"rate": 1.0, "process": "uniform"}, "^arrivals are 'poisson', 'constant' or 'bursts'$"),
        ({"rate": 1.0, "process": "bursts", "burst": 0}, "^a burst is at least one job$"),
    ],
)
def test_nonsense_schedules_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ArrivalSchedule(**kwargs)


def test_the_smallest_valid_schedules_are_accepted():
    assert ArrivalSchedule(0.001, "bursts", burst=1).burst == 1
    assert ArrivalSchedule(1.0) == ArrivalSchedule(1.0, "poisson", 0, 6)


def test_constant_arrivals_are_evenly_spaced_from_zero_and_stop_before_the_end():
    assert list(ArrivalSchedule(2.0, "constant").offsets(2.0)) == [0.0, 0.5, 1.0, 1.5]
    assert list(ArrivalSchedule(4.0, "constant").offsets(0.0)) == []


def _exponentials(seed: int, rate: float, duration: float) -> list[float]:
    rng, out = random.Random(seed), []
    t = rng.expovariate(rate)
    while t < duration:
        out.append(t)
        t += rng.expovariate(rate)
    return out


def test_poisson_arrivals_are_the_seeded_exponential_gaps():
    expected = _exponentials(3, 5.0, 4.0)
    assert list(ArrivalSchedule(5.0, seed=3).offsets(4.0)) == expected
    assert 10 < len(expected) < 40
    assert list(ArrivalSchedule(5.0).offsets(4.0)) == _exponentials(0, 5.0, 4.0)
    assert expected != _exponentials(0, 5.0, 4.0)


def test_bursts_repeat_each_instant_and_keep_the_mean_rate():
    instants = _exponentials(1, 6.0 / 3, 5.0)
    offsets = list(ArrivalSchedule(6.0, "bursts", seed=1, burst=3).offsets(5.0))
    assert offsets == [t for t in instants for _ in range(3)]
    assert instants  # the schedule is not empty
    default = list(ArrivalSchedule(6.0, "bursts", seed=1).offsets(5.0))
    assert default
    assert default == [t for t in _exponentials(1, 1.0, 5.0) for _ in range(6)]
