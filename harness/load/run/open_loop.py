"""An open-loop batch of jobs against the API with the async reference client: jobs are
submitted on a schedule fixed in advance (Poisson at a rate, or all at once), never waiting
for completions, and each is polled to its end. A `capacity_search.Measure`.

The Locust side is the load command's; the search drives the reference client directly so
each step is a short, exactly sized batch in this process. On cancellation (Ctrl-C), the
jobs it created that have not ended are cancelled before it gives up.
"""

from __future__ import annotations

import asyncio
import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness.client.aio import AsyncClient
from harness.client.policies import FixedInterval
from harness.client.records import History
from harness.client.vocabulary import Phase
from harness.errors import HarnessError
from harness.load.measure.arrivals import ArrivalSchedule
from harness.load.measure.intervals import job_times
from harness.load.measure.saturation import Span
from harness.load.run.capacity_search import Batch
from harness.secrets import Token

__all__ = ["OpenLoop"]

_CLEANUP_TIMEOUT = 5.0


@dataclass
class OpenLoop:
    base_url: str
    token: Token
    body: dict[str, Any]
    poll: float = 0.1
    job_timeout: float = 600.0
    request_timeout: float = 30.0
    open: set[str] = field(default_factory=set)  # created, not yet seen ending
    created: int = 0  # jobs the server accepted, in every batch (interrupted ones too)
    cancelled: int = 0  # cancelled by the harness: timed out, or left when interrupted
    _submits: set[asyncio.Future[tuple[Any, History]]] = field(default_factory=set)

    def _offsets(self, rate: float, jobs: int, seed: int) -> list[float]:
        if math.isinf(rate):
            return [0.0] * jobs
        return list(
            itertools.islice(ArrivalSchedule(rate, "poisson", seed).offsets(math.inf), jobs)
        )

    async def __call__(self, rate: float, jobs: int, seed: int) -> Batch:
        loop = asyncio.get_running_loop()
        limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
        async with httpx.AsyncClient(timeout=self.request_timeout, limits=limits) as http:
            client = AsyncClient(self.base_url, self.token, http=http)
            start = loop.time()
            tasks: list[asyncio.Task[History | None]] = []
            try:
                for offset in self._offsets(rate, jobs, seed):
                    delay = start + offset - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    tasks.append(asyncio.create_task(self._job(client)))
                histories = await asyncio.gather(*tasks)
                await self._cancel_open(client)  # jobs that outlived --job-timeout
            except asyncio.CancelledError:
                for task in tasks:
                    task.cancel()
                await self._cancel_open(client)
                raise
        return _batch(rate, list(histories), loop.time() - start)

    async def _job(self, client: AsyncClient) -> History | None:
        # Shielded: a Ctrl-C mid-submit must not lose the id of a job the server created.
        submit = asyncio.ensure_future(client.submit_timed(self.body))
        self._submits.add(submit)
        submit.add_done_callback(self._submitted)
        try:
            _, history = await asyncio.shield(submit)
        except HarnessError:
            return None  # refused or unanswered: counted as failed, nothing to cancel
        try:
            await client.wait(
                history, FixedInterval(self.poll), timeout=self.job_timeout,
                raise_on_timeout=False,
            )  # fmt: skip
        except HarnessError:
            return history
        if history.terminal:
            self.open.discard(history.request_id)
        return history

    def _submitted(self, submit: asyncio.Future[tuple[Any, History]]) -> None:
        self._submits.discard(submit)
        if not submit.cancelled() and submit.exception() is None:
            self.created += 1
            self.open.add(submit.result()[1].request_id)

    async def _cancel_open(self, client: AsyncClient) -> None:
        """Best effort, bounded: let submits in flight land, then cancel every job created
        and not seen ending."""
        if self._submits:
            await asyncio.wait(set(self._submits), timeout=_CLEANUP_TIMEOUT)
        for request_id in sorted(self.open):
            try:
                ack = await client.cancel(request_id, timeout=_CLEANUP_TIMEOUT)
            except HarnessError:
                continue
            self.open.discard(request_id)
            self.cancelled += int(ack.cancelled)


def _batch(rate: float, histories: list[History | None], seconds: float) -> Batch:
    spans, runs, failed = [], [], 0
    for history in histories:
        if history is None:
            failed += 1
            continue
        times = job_times(history)
        spans.append(Span(times.created, times.started, times.finished))
        done = history.final_phase in (Phase.SUCCEEDED, Phase.DONE)
        if done and times.run_time is not None:
            runs.append(times.run_time)
        else:
            failed += 1
    return Batch(rate, spans, runs, len(histories), failed, seconds)
