"""Locust users that run whole job flows on an open-loop arrival schedule.

Each user owns a share of the total job rate and spawns one greenlet per job at its intended
time, never waiting for earlier jobs (no coordinated omission). Imports locust: only load
runs (Locust processes) may import this module.
"""

from __future__ import annotations

import itertools
import time
from typing import Any, ClassVar

import gevent
from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser
from locust.runners import LocalRunner, WorkerRunner

from harness.client.policies import PollPolicy, parse_policy
from harness.load.measure.arrivals import ArrivalSchedule
from harness.load.run.plan import REMOTE_RATE
from harness.load.swarm.driver import FastHttpDriver, LoadClient, RequestBuilder
from harness.load.swarm.flow import CancelMoment, FlowSettings, LoadJob
from harness.load.swarm.locust_events import book_for
from harness.load.swarm.locust_options import settings_of
from harness.target import default_public_image_url

__all__ = ["ArrivalUser", "CancelUser", "PollingUser", "QueueLatencyUser"]

_user_numbers = itertools.count()


class ArrivalUser(FastHttpUser):
    abstract = True
    concurrency = 200  # connections per user: jobs in flight must not queue for a socket
    network_timeout = 30.0
    connection_timeout = 10.0
    wait_time = constant(0)
    scenario: ClassVar[str] = ""
    by_policy: ClassVar[bool] = False

    def on_start(self) -> None:
        opts: Any = self.environment.parsed_options
        self.opts = opts
        self.settings = s = settings_of(opts)
        self.number = next(_user_numbers)
        # The token comes from this process's environment (never argv, never a message).
        self.load_client = LoadClient(self.host, None)
        self.builder = RequestBuilder()
        self.driver = FastHttpDriver(self.client)  # bounds: the load client's (30 s, 4 MiB)
        given = s.poll_policy or (f"{s.poll_interval or 1.0:g}",)
        self.policies: list[PollPolicy] = [parse_policy(p) for p in given]
        # Never guess that a loopback host is our emulator: the runner passes the emulator's
        # sample explicitly; a plain `locust -f` run gets the seed's example unless told.
        image = s.input_image_url or default_public_image_url()
        self.body = {"image_url": image, "prompt": s.prompt}
        self.book = book_for(self.environment, self.scenario, by_policy=self.by_policy)
        self.book.drivers.append(self.driver)

    def settings_for(self, index: int) -> FlowSettings:
        return FlowSettings(self.scenario, self.policies[0], timeout=self.settings.job_timeout)

    @task
    def arrivals(self) -> None:
        s = self.settings
        # the run's rate, split among its users: the settings' count, or a plain run's -u
        plain = not getattr(self.opts, "harness_settings", "")
        users = max(1, int(self.opts.num_users or 1)) if plain else s.users
        worker = getattr(self.environment.runner, "worker_index", 0) or 0
        schedule = ArrivalSchedule(
            (s.rate or REMOTE_RATE) / users,
            s.arrivals or "poisson",
            seed=s.seed * 7919 + 1000 * worker + self.number,
            burst=s.burst_size,
        )
        span = s.duration
        deadline = time.time() + s.duration + s.drain
        self.book.schedulers += 1
        # the schedule is fixed in advance: its length caps this user's submits exactly
        self.book.plan(sum(1 for _ in schedule.offsets(span)))
        origin = time.time()
        try:
            for index, offset in enumerate(schedule.offsets(span)):
                due = origin + offset
                gevent.sleep(max(0.0, due - time.time()))
                if not self.book.take_budget():
                    break
                job = LoadJob(
                    self.load_client, self.builder, self.settings_for(index),
                    intended_at=due, deadline=deadline,
                )  # fmt: skip
                self.book.start(job, self.body, self.driver.run)
        finally:
            self.book.schedulers -= 1
            self.book.schedules_ended += 1
        self.book.group.join()
        self._maybe_quit()
        while True:  # this user's schedule is spent; Locust stops it at the run's end
            gevent.sleep(3600)

    def _maybe_quit(self) -> None:
        """A single-process run quits here; a worker's own watcher tells its master instead
        (locust_events: the master quits once every worker is done)."""
        runner = self.environment.runner
        local = isinstance(runner, LocalRunner) and not isinstance(runner, WorkerRunner)
        if self.opts.quit_when_done and local and self.book.idle:
            gevent.spawn(runner.quit)


class QueueLatencyUser(ArrivalUser):
    """Submit at the set rate; measure ack, queue wait, run time, end-to-end and lag."""

    scenario = "queue-latency"


class PollingUser(ArrivalUser):
    """The same arrivals shared round-robin among several poll policies."""

    scenario = "polling"
    by_policy = True

    def settings_for(self, index: int) -> FlowSettings:
        policy = self.policies[index % len(self.policies)]
        return FlowSettings(self.scenario, policy, timeout=self.settings.job_timeout)


class CancelUser(ArrivalUser):
    """Cancel each job at one of the chosen moments, round-robin."""

    scenario = "cancel"

    def on_start(self) -> None:
        super().on_start()
        self.moments = [CancelMoment(m) for m in self.settings.cancel_moment]

    def settings_for(self, index: int) -> FlowSettings:
        moment = self.moments[index % len(self.moments)]
        return FlowSettings(
            self.scenario, self.policies[0], timeout=self.settings.job_timeout, cancel=moment
        )
