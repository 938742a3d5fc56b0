"""One behavioural suite, two faces: the respx mock (virtual clock) and the live emulator."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx

from harness.clock import VirtualClock
from harness.emulator import EmulatorServer
from harness.mock import MockApi
from harness.model import MODEL_ID, FaultSet, ModelConfig, ServiceTimes

FAST = ModelConfig(
    workers=2, times=ServiceTimes(time_per_step=0.02, jitter_sigma=0.0), seed=7, retention=60.0
)
SUBMIT = f"/v1/models/{MODEL_ID}"


@dataclass
class Face:
    kind: str  # "mock" | "live"
    base_url: str
    tokens: tuple[str, ...]
    ground_truth: Callable[[], list[dict[str, Any]]]
    clock: VirtualClock | None
    client: httpx.Client  # carries tokens[0]

    def auth(self, tenant: int = 0) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[tenant]}"}

    def sample(self, name: str = "landscape-16x9.jpg") -> str:
        return f"{self.base_url}/samples/{name}"

    def submit(self, tenant: int = 0, **fields: Any) -> httpx.Response:
        body = {"image_url": self.sample(), "prompt": "make it snow", **fields}
        return self.client.post(SUBMIT, json=body, headers=self.auth(tenant))

    def job(self, **fields: Any) -> str:
        r = self.submit(**fields)
        assert r.status_code == 200, r.text
        rid: str = r.json()["request_id"]
        return rid

    def status(self, rid: str, tenant: int = 0) -> httpx.Response:
        return self.client.get(f"/v1/requests/{rid}/status", headers=self.auth(tenant))

    def result(self, rid: str, tenant: int = 0) -> httpx.Response:
        return self.client.get(f"/v1/requests/{rid}/result", headers=self.auth(tenant))

    def cancel(self, rid: str, tenant: int = 0) -> httpx.Response:
        return self.client.post(f"/v1/requests/{rid}/cancel", headers=self.auth(tenant))

    def truth(self, rid: str) -> dict[str, Any]:
        return next(j for j in self.ground_truth() if j["request_id"] == rid)

    def wait_until(self, done: Callable[[], bool], timeout: float = 10.0) -> None:
        """Let time pass until `done()`: virtual steps on the mock, real polling live."""
        if self.clock is not None:
            for _ in range(int(timeout / 0.05)):
                if done():
                    return
                self.clock.advance(0.05)
        else:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if done():
                    return
                time.sleep(0.01)
        raise AssertionError("condition not reached in time")

    def finish(self, rid: str, timeout: float = 10.0) -> dict[str, Any]:
        """Wait for the job's terminal /result."""
        box: dict[str, Any] = {}

        def terminal() -> bool:
            body = self.result(rid).json()
            box.update(body)
            return body["status"] in ("succeeded", "failed", "cancelled")

        self.wait_until(terminal, timeout)
        return box


@contextmanager
def open_face(
    kind: str, config: ModelConfig | None = None, faults: FaultSet | None = None
) -> Iterator[Face]:
    config = config or FAST
    with ExitStack() as stack:
        if kind == "mock":
            api = stack.enter_context(MockApi(config=config, faults=faults))
            base, truth, clock = api.base_url, api.ground_truth, api.clock
        else:
            server = stack.enter_context(EmulatorServer(config, faults))
            base, truth, clock = server.base_url, server.ground_truth, None
        client = stack.enter_context(httpx.Client(base_url=base, timeout=10.0))
        yield Face(kind, base, config.tokens, truth, clock, client)


def with_config(**changes: Any) -> ModelConfig:
    return replace(FAST, **changes)


def with_times(**changes: Any) -> ModelConfig:
    return replace(FAST, times=replace(FAST.times, **changes))
