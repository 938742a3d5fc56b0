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
from harness.load.swarm.driver import FastHttpDriver, LoadClient, RequestBuilder
from harness.load.swarm.flow import CancelMoment, FlowSettings, LoadJob
from harness.load.swarm.locust_events import book_for
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
        self.number = next(_user_numbers)
        # The token comes from this process's environment (never argv, never a message).
        self.load_client = LoadClient(self.host, None)
        self.builder = RequestBuilder()
        self.driver = FastHttpDriver(self.client)  # bounds: the load client's (30 s, 4 MiB)
        self.policies: list[PollPolicy] = [
            parse_policy(p.strip()) for p in str(opts.poll_policies).split(";") if p.strip()
        ]
        # Never guess that a loopback host is our emulator: the runner passes the emulator's
        # sample explicitly; a plain `locust -f` run gets the seed's example unless told.
        image = opts.input_image_url or default_public_image_url()
        self.body = {"image_url": image, "prompt": opts.prompt}
        self.book = book_for(self.environment, self.scenario, by_policy=self.by_policy)
        self.book.drivers.append(self.driver)

    def settings_for(self, index: int) -> FlowSettings:
        return FlowSettings(self.scenario, self.policies[0], timeout=self.opts.job_timeout)

    @task
    def arrivals(self) -> None:
        opts = self.opts
        users = max(1, int(opts.harness_users or opts.num_users or 1))
        worker = getattr(self.environment.runner, "worker_index", 0) or 0
        schedule = ArrivalSchedule(
            opts.job_rate / users,
            opts.arrivals,
            seed=opts.harness_seed * 7919 + 1000 * worker + self.number,
            burst=max(1, int(getattr(opts, "burst_size", 1) or 1)),
        )
        span = opts.submit_for or float(opts.run_time or 60)
        deadline = time.time() + float(opts.run_time or 1e9)
        self.book.schedulers += 1
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
        return FlowSettings(self.scenario, policy, timeout=self.opts.job_timeout)


class CancelUser(ArrivalUser):
    """Cancel each job at one of the chosen moments, round-robin."""

    scenario = "cancel"

    def on_start(self) -> None:
        super().on_start()
        words = str(self.opts.cancel_moments).split(",")
        self.moments = [CancelMoment(m.strip()) for m in words if m.strip()]

    def settings_for(self, index: int) -> FlowSettings:
        moment = self.moments[index % len(self.moments)]
        return FlowSettings(
            self.scenario, self.policies[0], timeout=self.opts.job_timeout, cancel=moment
        )
