"""The asynchronous reference client over an injected `httpx.AsyncClient`."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from harness.client.base import ClientSettings, Reply
from harness.client.bounds import Bounds
from harness.client.flows import Flow, Send, call_flow, new_history, request_flow, wait_flow
from harness.client.policies import PollPolicy
from harness.client.protocol import Call
from harness.client.records import CancelAck, History, JobResult, JobStatus, RunOutcome, SubmitAck
from harness.client.transport import asend_bounded, bounded_async_http_client
from harness.clock import AsyncClock, SystemClock
from harness.secrets import Token

__all__ = ["AsyncClient"]

T = TypeVar("T")


class AsyncClient(ClientSettings):
    """The async twin of `harness.client.Client`: the same flows, awaited."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | Token | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        clock: AsyncClock | None = None,
        timeout: float | None = None,
        **settings: Any,
    ) -> None:
        """`timeout`: shorthand for `bounds=Bounds(request_timeout=timeout)`."""
        if timeout is not None and "bounds" not in settings:
            settings["bounds"] = Bounds(request_timeout=timeout)
        super().__init__(base_url, token, **settings)
        self._owns_http = http is None
        self.http = http or bounded_async_http_client()
        self.clock: AsyncClock = clock or SystemClock()

    def now(self) -> float:
        return self.clock.now()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _drive(self, flow: Flow[T]) -> T:
        outcome: Any = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            if isinstance(step, Send):
                try:
                    outcome = await asend_bounded(self.http, step.request, step.limit, step.timeout)
                except httpx.RequestError as exc:
                    outcome = exc
            else:
                await self.clock.asleep(step.seconds)
                outcome = None

    async def request(
        self, call: Call, *, token: Token | bool | None = True, timeout: float | None = None
    ) -> Reply:
        """Send one call (retrying only safe ones) within `timeout` seconds (default:
        `bounds.request_timeout`); the answer is not interpreted."""
        return await self._drive(request_flow(self, self.http, call, token, timeout))

    async def _call(self, call: Call, timeout: float | None = None) -> dict[str, Any]:
        return await self._drive(call_flow(self, self.http, call, timeout))

    async def submit(self, body: Any) -> SubmitAck:
        """Create a job. Never retried: a second POST could create (and bill) a second job."""
        return SubmitAck.parse(await self._call(Call.submit(body, self.model_id)))

    async def status(self, request_id: str) -> JobStatus:
        return JobStatus.parse(await self._call(Call.on_request("status", request_id)))

    async def result(self, request_id: str) -> JobResult:
        return JobResult.parse(await self._call(Call.on_request("result", request_id)))

    async def cancel(self, request_id: str, *, timeout: float | None = None) -> CancelAck:
        """Cancel a job; `timeout` shortens the wait (cleanup after Ctrl-C)."""
        return CancelAck.parse(await self._call(Call.on_request("cancel", request_id), timeout))

    async def submit_timed(self, body: Any) -> tuple[SubmitAck, History]:
        sent = self.now()
        ack = await self.submit(body)
        return ack, History(ack.request_id, submit_sent=sent, submit_acked=self.now())

    async def wait(
        self,
        history: History | str,
        policy: PollPolicy | None = None,
        *,
        timeout: float = 600.0,
        raise_on_timeout: bool = True,
    ) -> History:
        """Poll `/status` until a terminal state; every poll lands in the returned history."""
        flow = wait_flow(
            self,
            self.http,
            new_history(self, history),
            policy,
            timeout=timeout,
            raise_on_timeout=raise_on_timeout,
        )
        return await self._drive(flow)

    async def run(
        self, body: Any, policy: PollPolicy | None = None, *, timeout: float = 600.0
    ) -> RunOutcome:
        ack, history = await self.submit_timed(body)
        await self.wait(history, policy, timeout=timeout)
        return RunOutcome(ack, history, await self.result(ack.request_id))
