"""The asynchronous reference client over an injected `httpx.AsyncClient`."""

from __future__ import annotations

from typing import Any

import httpx

from harness.client.base import ClientSettings, Reply
from harness.client.policies import FixedInterval, PollPolicy
from harness.client.protocol import Call, parse_error
from harness.client.records import CancelAck, History, JobResult, JobStatus, RunOutcome, SubmitAck
from harness.client.waiting import Waiter
from harness.clock import AsyncClock, SystemClock
from harness.errors import JobTimeout, TransportError
from harness.evidence import Exchange
from harness.secrets import Token

__all__ = ["AsyncClient"]


class AsyncClient(ClientSettings):
    """The async twin of `harness.client.Client`; same calls, same rules, awaited."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | Token | None = None,
        *,
        http: httpx.AsyncClient | None = None,
        clock: AsyncClock | None = None,
        timeout: float = 30.0,
        **settings: Any,
    ) -> None:
        super().__init__(base_url, token, **settings)
        self._owns_http = http is None
        self.http = http or httpx.AsyncClient(timeout=timeout)
        self.clock: AsyncClock = clock or SystemClock()

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def request(self, call: Call, *, token: Token | bool | None = True) -> Reply:
        """Send one call (retrying only safe ones); the answer is not interpreted."""
        policy = self.retry_for(call)
        attempt = 0
        while True:
            attempt += 1
            request = call.build(self.http, self.base_url, self.headers(token))
            sent = self.clock.now()
            try:
                response = await self.http.send(request)
            except httpx.TransportError as exc:
                error = self.transport_error(request, exc, sent, self.clock.now())
                if not policy.should_retry(attempt, None):
                    raise error from None
                await self.clock.asleep(policy.delay(attempt))
                continue
            received = self.clock.now()
            exchange = Exchange.of(request, response, sent_at=sent, received_at=received)
            self.notify(exchange)
            if policy.should_retry(attempt, response.status_code):
                await self.clock.asleep(policy.delay(attempt, response.headers.get("retry-after")))
                continue
            return Reply(call, response, exchange, sent, received, attempt)

    async def _call(self, call: Call) -> dict[str, Any]:
        reply = await self.request(call)
        return call.interpret(reply.response, reply.exchange, strict=self.strict)

    async def submit(self, body: Any) -> SubmitAck:
        """Create a job. Never retried: a second POST could create (and bill) a second job."""
        return SubmitAck.parse(await self._call(Call.submit(body, self.model_id)))

    async def status(self, request_id: str) -> JobStatus:
        return JobStatus.parse(await self._call(Call.on_request("status", request_id)))

    async def result(self, request_id: str) -> JobResult:
        return JobResult.parse(await self._call(Call.on_request("result", request_id)))

    async def cancel(self, request_id: str) -> CancelAck:
        return CancelAck.parse(await self._call(Call.on_request("cancel", request_id)))

    async def submit_timed(self, body: Any) -> tuple[SubmitAck, History]:
        sent = self.clock.now()
        ack = await self.submit(body)
        return ack, History(ack.request_id, submit_sent=sent, submit_acked=self.clock.now())

    async def wait(
        self,
        history: History | str,
        policy: PollPolicy | None = None,
        *,
        timeout: float = 600.0,
        raise_on_timeout: bool = True,
    ) -> History:
        """Poll `/status` until a terminal state; every poll lands in the returned history."""
        if isinstance(history, str):
            now = self.clock.now()
            history = History(history, submit_sent=now, submit_acked=now)
        waiter = Waiter(history, policy or FixedInterval(1.0), timeout)
        call = Call.on_request("status", history.request_id)
        while (pause := waiter.next_sleep(self.clock.now())) is not None:
            await self.clock.asleep(pause)
            sent = self.clock.now()
            try:
                reply = await self.request(call)
            except TransportError as exc:
                waiter.record(self.poll_of(exc, sent, self.clock.now()))
                continue
            if reply.response.status_code >= 400:
                raise parse_error(reply.response, reply.exchange)
            waiter.record(self.poll_of(reply, sent, reply.received_at))
        if not history.terminal and raise_on_timeout:
            raise JobTimeout(history.request_id, timeout, history)
        return history

    async def run(
        self, body: Any, policy: PollPolicy | None = None, *, timeout: float = 600.0
    ) -> RunOutcome:
        ack, history = await self.submit_timed(body)
        await self.wait(history, policy, timeout=timeout)
        return RunOutcome(ack, history, await self.result(ack.request_id))
