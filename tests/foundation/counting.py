"""A live emulator that counts every request it is sent (submits apart), for fail-early tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from harness.emulator import EmulatorServer
from harness.model import FaultSet, HttpRequest, HttpResponse, ModelConfig


@dataclass
class Counted:
    server: EmulatorServer
    requests: list[str] = field(default_factory=list)  # "METHOD /path", in arrival order

    @property
    def submits(self) -> int:
        return sum(r.startswith("POST /v1/models/") for r in self.requests)

    @property
    def url(self) -> str:
        return self.server.base_url


@contextmanager
def counting_emulator(
    config: ModelConfig | None = None, faults: FaultSet | None = None
) -> Iterator[Counted]:
    """An `EmulatorServer` whose model notes every request before handling it."""
    with EmulatorServer(config or ModelConfig(workers=1), faults) as server:
        counted = Counted(server)
        handle = server.model.handle

        def counting(request: HttpRequest) -> HttpResponse:
            counted.requests.append(f"{request.method} {request.path}")
            return handle(request)

        server.model.handle = counting  # type: ignore[method-assign]
        yield counted
