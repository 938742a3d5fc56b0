"""--stop-on-lost-slo inside a Locust process (gevent, no Locust): the book stops its spending,
knows its schedules' length, and the watch calls `stop` once, only when a gate is lost."""

from __future__ import annotations

import gevent

from harness.load.measure.results import RunResults
from harness.load.run.settings import LoadSettings
from harness.load.swarm.book import JobBook
from harness.load.swarm.stopping import SloWatch
from tests.verdicts.jobsets import jobs_from_waits


def test_a_stopped_book_takes_no_more_budget_and_counts_its_schedules():
    book = JobBook(RunResults("queue-latency"), budget=10)
    assert book.take_budget()
    book.plan(40)
    book.plan(2)
    assert (book.planned, book.plans) == (42, 2)
    book.stop_spending()
    assert not book.take_budget()
    assert book.drained  # nothing was in flight
    assert book.submitted == 1


def _settings(**changes) -> LoadSettings:
    return LoadSettings(slo=("queue_wait.p95<1s",), stop_on_lost_slo=True, **changes)


def test_the_watch_is_off_without_the_option_or_a_gate_it_can_lose():
    assert SloWatch(_settings()).enabled
    assert not SloWatch(LoadSettings(slo=("queue_wait.p95<1s",))).enabled
    assert not SloWatch(LoadSettings(slo=("lost==0", "queue_wait.mean<1s"))).enabled


def test_check_judges_the_jobs_finished_against_what_the_caps_leave():
    watch = SloWatch(_settings())
    results = RunResults("queue-latency", started_at=0.0, records=jobs_from_waits([0.2] * 10))
    assert watch.check(results, (100, None)) is None  # 90 more all under would pass
    look = watch.check(results, (None, 89))  # 79 more: one short
    assert look is not None
    assert (look.more, look.needed) == (79, 80)
    assert watch.check(results, (None, None)) is None  # no bound known: never lost


def test_the_warm_up_and_confidence_of_the_settings_apply():
    results = RunResults("queue-latency", started_at=0.0, records=jobs_from_waits([5.0] * 2))
    warm = SloWatch(_settings(warmup="2jobs"))
    assert warm.check(results, (92,)) is None  # the two slow jobs are warm-up: 90 more pass
    assert warm.check(results, (91,)) is not None  # (they spent two of the cap all the same)
    assert SloWatch(_settings()).check(results, (92,)) is not None  # judged: two misses
    relaxed = SloWatch(_settings(confidence=0.95))
    assert relaxed.check(RunResults("q", records=jobs_from_waits([0.2])), (59,)) is None
    assert SloWatch(_settings()).check(RunResults("q", records=jobs_from_waits([0.2])), (59,))


def test_the_watch_stops_once_when_lost_and_not_after_the_run_ends():
    results = RunResults("queue-latency", started_at=0.0, records=jobs_from_waits([0.2] * 5))
    caps = [1000]
    stops: list[dict] = []
    ended = []
    watch = SloWatch(_settings())
    loop = gevent.spawn(watch.watch, lambda: results, lambda: caps, lambda: bool(ended),
                        stops.append)  # fmt: skip
    gevent.sleep(0.6)
    assert stops == []  # still passable
    assert not loop.dead
    caps[0] = 50  # the budget shrank: 45 more cannot give the 85 it needs
    loop.join(timeout=2)
    assert loop.dead
    (record,) = stops
    assert record["lost"] is True
    assert (record["finished"], record["more"], record["needed"]) == (5, 45, 85)
    ended.append(True)
    after = gevent.spawn(watch.watch, lambda: results, lambda: caps, lambda: bool(ended),
                         stops.append)  # fmt: skip
    after.join(timeout=2)
    assert after.dead
    assert len(stops) == 1  # the run's end came first: no second stop


def test_the_watch_waits_for_the_first_records():
    stops: list[dict] = []
    state: dict[str, RunResults | None] = {"results": None}
    watch = SloWatch(_settings())
    loop = gevent.spawn(watch.watch, lambda: state["results"], lambda: (10,), lambda: False,
                        stops.append)  # fmt: skip
    gevent.sleep(0.4)
    assert stops == []
    state["results"] = RunResults("queue-latency")
    loop.join(timeout=2)
    assert len(stops) == 1
    assert stops[0]["needed"] == 90
