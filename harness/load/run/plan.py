"""What a `load` command does, scenario by scenario: the defaults that depend on the target
(rates as shares of the embedded emulator's capacity, arrivals, poll policies, the capacity
target), each run's own settings, and the runs themselves within the command's job budget.

Never imports Locust (the runs are subprocesses).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.load.measure.early_stop import first_lost, stopped_record
from harness.load.measure.results import RunResults
from harness.load.measure.slo import parse_slo
from harness.load.run.scenarios import scenario
from harness.load.run.settings import LoadSettings

__all__ = ["REMOTE_RATE", "Plan"]

REMOTE_RATE = 0.2  # jobs/s against a real server unless --rate says otherwise
_DEFAULT_STEPS = 8  # the default job's inference steps


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Plan:
    settings: LoadSettings
    base_url: str
    token: str | None
    image: str
    workdir: Path

    @property
    def true_servers(self) -> int | None:
        return self.settings.emulator_workers if self.settings.embedded else None

    @property
    def target_wait(self) -> float:
        if self.settings.target_wait is not None:
            return self.settings.target_wait
        return 1.0 if self.settings.embedded else 30.0

    @property
    def poll_interval(self) -> float:
        if self.settings.poll_interval is not None:
            return self.settings.poll_interval
        return 0.1 if self.settings.embedded else 1.0

    def mean_service(self) -> float:
        """The embedded emulator's mean service time for the default job (jitter has mean 1)."""
        from harness.model.config import ServiceTimes

        times = ServiceTimes(time_per_step=self.settings.emulator_time_per_step)
        return float(times.time_per_step * _DEFAULT_STEPS + times.expansion_seconds())

    def capacity(self) -> float:
        return self.settings.emulator_workers / max(self.mean_service(), 1e-6)

    def rate(self, name: str) -> float:
        if self.settings.rate is not None:
            return self.settings.rate
        return (
            scenario(name).load_share * self.capacity() if self.settings.embedded else REMOTE_RATE
        )

    def arrivals(self, name: str) -> str:
        if self.settings.arrivals is not None:
            return self.settings.arrivals
        return scenario(name).arrivals if self.settings.embedded else "poisson"

    def policies(self, name: str) -> tuple[str, ...]:
        """The first policy for most scenarios; polling compares a ladder around the interval."""
        given = self.settings.poll_policy
        if scenario(name).policies != "ladder":
            return given[:1] or (f"{self.poll_interval:g}",)
        i = self.poll_interval
        ladder = (f"fixed:{i / 2:g}", f"fixed:{i:g}", f"fixed:{i * 2:g}",
                  f"backoff:{i / 2:g},1.5,{i * 4:g}")  # fmt: skip
        return given or ladder

    def run_settings(self, name: str, repeat: int, budget: int) -> LoadSettings:
        """One Locust run's settings, every default resolved: the document its processes read."""
        return self.settings.replace(
            scenario=name, rate=self.rate(name), arrivals=self.arrivals(name),
            poll_policy=self.policies(name), poll_interval=self.poll_interval,
            target_wait=self.target_wait, seed=self.settings.seed + repeat, max_jobs=budget,
            input_image_url=self.image,
        )  # fmt: skip

    def banner(self) -> str:
        s, lines = self.settings, []
        if s.embedded:
            lines.append(
                f"load: embedded emulator: {s.emulator_workers} workers, ~{self.mean_service():.2f}"
                f" s per job (time-per-step {s.emulator_time_per_step:g} s), capacity "
                f"~{self.capacity():.2f} jobs/s"
            )
        for name in s.scenarios:
            share = f" (~{self.rate(name) / self.capacity():.0%} of capacity)" if s.embedded else ""
            burst = f" of {s.burst_size}" if self.arrivals(name) == "bursts" else ""
            lines.append(
                f"load: {name}: {self.rate(name):.2f} jobs/s{share}, {self.arrivals(name)}{burst} "
                f"arrivals, {s.duration:g} s + up to {s.drain:g} s drain"
            )
        return "\n".join(lines)

    def run_all(
        self, run: Callable[[LoadSettings, int], RunResults]
    ) -> dict[str, list[RunResults]]:
        """Every scenario's repeats; after a Ctrl-C, what was measured so far.

        `--max-jobs` is the budget of the whole command: each run may spend what the runs
        before it left, and once it is spent the remaining runs are skipped, said so; so are
        they once a run stopped early on a lost gate (`--stop-on-lost-slo`).
        """
        s, spent = self.settings, 0
        runs: dict[str, list[RunResults]] = {}
        for name in s.scenarios:
            for r in range(s.repeats):
                left = s.max_jobs - spent
                if s.max_jobs and left <= 0:
                    _say(f"load: {name} run {r + 1} skipped: --max-jobs {s.max_jobs} spent")
                    continue
                settings = self.run_settings(name, r, left if s.max_jobs else 0)
                result = self._lost_at_start(settings)
                if result is None:
                    _say(f"load: {name} run {r + 1}/{s.repeats} against {self.base_url}")
                    result = run(settings, r)
                spent += len(result.records)  # every submit attempt counts, even a refused one
                runs.setdefault(name, []).append(result)
                if result.interrupted:
                    return runs
                if result.stopped is not None:  # a gate is lost: spend nothing more
                    why = result.stopped.get("explanation", "")
                    _say(f"load: {name} stopped early, no further runs: {why}")
                    return runs
        return runs

    def _lost_at_start(self, run: LoadSettings) -> RunResults | None:
        """--stop-on-lost-slo with a budget no job set can pass a gate in (20 jobs never prove
        a p95): the run is stopped before its first job, an empty result saying why."""
        if not (run.stop_on_lost_slo and run.max_jobs):
            return None
        slos = [parse_slo(text) for text in run.slo]
        look = first_lost(slos, [], more=run.max_jobs, confidence=run.confidence)
        if look is None:
            return None
        now = time.time()
        return RunResults(
            run.scenario, started_at=now, ended_at=now, settings=run.to_dict(), submits_sent=0,
            stopped=stopped_record(look, at=now, finished=0),
        )  # fmt: skip

    def progress(self, name: str, r: int) -> Callable[[float], None]:
        s = self.settings

        def show(elapsed: float) -> None:
            if int(elapsed) % 5:
                return
            if elapsed <= s.duration:
                shown = f"{elapsed:4.0f} s / {s.duration:g} s"
            else:
                shown = f"draining {elapsed - s.duration:.0f} s (up to {s.drain:g} s)"
            _say(f"  {name} #{r + 1}: {shown}")

        return show
