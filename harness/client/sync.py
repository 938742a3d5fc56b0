"""The synchronous reference client over an injected `httpx.Client` (the one I/O seam)."""

from __future__ import annotations

from typing import Any, TypeVar

import httpx

from harness.client.base import ClientSettings, Reply
from harness.client.bounds import Bounds
from harness.client.flows import (
    Flow,
    Send,
    call_flow,
    drive,
    new_history,
    request_flow,
    wait_flow,
)
from harness.client.policies import PollPolicy
from harness.client.protocol import Call
from harness.client.records import CancelAck, History, JobResult, JobStatus, RunOutcome, SubmitAck
from harness.client.transport import Received, bounded_http_client, send_bounded
from harness.clock import Clock, SystemClock
from harness.secrets import Token

__all__ = ["Client"]

T = TypeVar("T")


class Client(ClientSettings):
    """submit / status / result / cancel / wait / run against one base URL.

    Pass `http=` to choose the transport (respx, an ASGI app, a tuned pool); the client then
    leaves closing it to you.
    """

    def __init__(
        self,
        base_url: str | None = None,
        token: str | Token | None = None,
        *,
        http: httpx.Client | None = None,
        clock: Clock | None = None,
        timeout: float | None = None,
        **settings: Any,
    ) -> None:
        """`timeout`: shorthand for `bounds=Bounds(request_timeout=timeout)`."""
        if timeout is not None and "bounds" not in settings:
            settings["bounds"] = Bounds(request_timeout=timeout)
        super().__init__(base_url, token, **settings)
        self._owns_http = http is None
        self.http = http or bounded_http_client()
        self.clock: Clock = clock or SystemClock()

    def now(self) -> float:
        return self.clock.now()

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, step: Send) -> Received:
        """One bounded exchange over the injected httpx client (what `drive` sends with)."""
        return send_bounded(self.http, step.request, step.limit, step.timeout)

    def _drive(self, flow: Flow[T]) -> T:
        return drive(flow, self.send, self.clock.sleep)

    def request(
        self, call: Call, *, token: Token | bool | None = True, timeout: float | None = None
    ) -> Reply:
        """Send one call (retrying only safe ones) within `timeout` seconds (default:
        `bounds.request_timeout`); the answer is not interpreted."""
        return self._drive(request_flow(self, self.http, call, token, timeout))

    def _call(self, call: Call, timeout: float | None = None) -> dict[str, Any]:
        return self._drive(call_flow(self, self.http, call, timeout))

    def submit(self, body: Any) -> SubmitAck:
        """Create a job. Never retried: a second POST could create (and bill) a second job."""
        return SubmitAck.parse(self._call(Call.submit(body, self.model_id)))

    def status(self, request_id: str) -> JobStatus:
        return JobStatus.parse(self._call(Call.on_request("status", request_id)))

    def result(self, request_id: str) -> JobResult:
        return JobResult.parse(self._call(Call.on_request("result", request_id)))

    def cancel(self, request_id: str, *, timeout: float | None = None) -> CancelAck:
        """Cancel a job; `timeout` shortens the wait (cleanup after Ctrl-C)."""
        return CancelAck.parse(self._call(Call.on_request("cancel", request_id), timeout))

    def submit_timed(self, body: Any) -> tuple[SubmitAck, History]:
        """Submit, recording `submit_sent`/`submit_acked` for the job's history."""
        sent = self.now()
        ack = self.submit(body)
        return ack, History(ack.request_id, submit_sent=sent, submit_acked=self.now())

    def wait(
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
        return self._drive(flow)

    def run(
        self, body: Any, policy: PollPolicy | None = None, *, timeout: float = 600.0
    ) -> RunOutcome:
        """submit + wait + result."""
        ack, history = self.submit_timed(body)
        self.wait(history, policy, timeout=timeout)
        return RunOutcome(ack, history, self.result(ack.request_id))
