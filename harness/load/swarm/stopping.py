"""`--stop-on-lost-slo` inside a Locust process: watch the finished jobs, stop once a gate is lost.

Whoever holds the run's records decides: a single process over its own book, a distributed
run's master over the records its workers sent (`swarm.distributed`). The decision is the pure
`measure.early_stop`; this is its loop. When a gate is lost, `stop` is called once with what
the results keep (`early_stop.stopped_record`); the caller stops the spending (queued jobs
cancelled: `JobBook.stop_spending`), waits for the jobs in flight and ends the run. gevent only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import gevent

from harness.load.measure.early_stop import Outlook, first_lost, jobs_left, stopped_record
from harness.load.measure.results import RunResults
from harness.load.measure.slo import parse_slo
from harness.load.measure.warmup import parse_warmup
from harness.load.run.settings import LoadSettings

__all__ = ["CHECK_EVERY", "SloWatch"]

CHECK_EVERY = 0.25  # seconds between looks at the records, at least
SHARE = 0.05  # at most this share of the process's time goes to looking (many records)


class SloWatch:
    """The run's per-job gates against its records, looked at every `CHECK_EVERY` seconds."""

    def __init__(self, settings: LoadSettings) -> None:
        self.slos = [parse_slo(text) for text in settings.slo]
        self.confidence = settings.confidence
        self.warmup = parse_warmup(settings.warmup)
        self.enabled = settings.stop_on_lost_slo and any(s.per_job for s in self.slos)

    def check(self, results: RunResults, caps: Sequence[int | None]) -> Outlook | None:
        """The first gate lost with the jobs finished so far, or None."""
        finished = len(results.records)
        return first_lost(
            self.slos, results.records, more=jobs_left(caps, finished),
            confidence=self.confidence, warmup=self.warmup, start=results.started_at or None,
        )  # fmt: skip

    def watch(
        self,
        results: Callable[[], RunResults | None],
        caps: Callable[[], Sequence[int | None]],
        done: Callable[[], bool],
        stop: Callable[[dict[str, Any]], None],
    ) -> None:
        """Loop (a greenlet) until the run ends or a gate is lost; then `stop(record)`, once.

        `results`: the records so far (None before the first job); `caps`: the run's known caps
        on submits (budget, arrival schedules); `done`: the run is ending anyway."""
        seen: tuple[int, tuple[int | None, ...]] | None = None
        pause = CHECK_EVERY
        while self.enabled:
            gevent.sleep(pause)
            if done():
                return
            now, limits = results(), tuple(caps())
            if now is None or (len(now.records), limits) == seen:
                continue  # nothing new since the last look
            seen = (len(now.records), limits)
            began = time.perf_counter()
            look = self.check(now, limits)
            pause = max(CHECK_EVERY, (time.perf_counter() - began) / SHARE)
            if look is not None:
                stop(stopped_record(look, at=time.time(), finished=len(now.records)))
                return
