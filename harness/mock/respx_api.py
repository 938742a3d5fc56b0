"""`MockApi`: every request under `base_url` goes to `ApiModel.handle`, with no network.

Time is a `VirtualClock`: a client that sleeps on `api.clock` moves the model's time, so a
minutes-long job life cycle runs in milliseconds. Works with httpx.Client and AsyncClient.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

import httpx
import respx

from harness.clock import VirtualClock
from harness.model import (
    DEFAULT_SAMPLE,
    ApiModel,
    FaultSet,
    FetchOutcome,
    HttpRequest,
    LocalImageSource,
    ModelConfig,
    sample_url,
)

__all__ = ["DEFAULT_BASE_URL", "MockApi"]

DEFAULT_BASE_URL = "https://model-api.runcomfy.net"


class MockApi:
    """Context manager: `with MockApi() as api: httpx.get(api.base_url + ...)`.

    `external_images(url)` decides what a non-sample `image_url` holds (None: unreachable,
    the default, since nothing outside the mock exists).
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        config: ModelConfig | None = None,
        faults: FaultSet | None = None,
        clock: VirtualClock | None = None,
        *,
        external_images: Callable[[str], FetchOutcome | None] | None = None,
        assert_all_mocked: bool = True,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.config = config or ModelConfig()
        self.clock = clock or VirtualClock()
        self.faults = faults or FaultSet(seed=self.config.seed)
        images = LocalImageSource(
            self.base_url, max_bytes=self.config.max_image_bytes, external=external_images
        )
        self.model = ApiModel(self.config, self.clock, images, self.faults)
        self.router = respx.MockRouter(assert_all_called=False, assert_all_mocked=assert_all_mocked)
        self.router.route(url__startswith=self.base_url + "/").mock(side_effect=self._respond)
        if not assert_all_mocked:
            self.router.route().pass_through()

    @property
    def tokens(self) -> tuple[str, ...]:
        return self.config.tokens

    @property
    def token(self) -> str:
        return self.config.tokens[0]  # ModelConfig guarantees at least one

    def sample_url(self, name: str = DEFAULT_SAMPLE) -> str:
        return sample_url(self.base_url, name)

    def ground_truth(self) -> list[dict[str, Any]]:
        return self.model.ground_truth()

    def _respond(self, request: httpx.Request) -> httpx.Response:
        if self.faults.delay > 0:
            self.clock.advance(self.faults.delay)
        url = request.url
        answer = self.model.handle(
            HttpRequest(
                method=request.method,
                path=url.path,
                query=url.query.decode("ascii", "replace"),
                headers={k.lower(): v for k, v in request.headers.items()},
                body=request.read(),
                base_url=self.base_url,
            )
        )
        if answer.drop:
            raise httpx.RemoteProtocolError(
                "server closed the connection (fault drop_rate)", request=request
            )
        return httpx.Response(answer.status, headers=list(answer.headers), content=answer.body)

    def __enter__(self) -> MockApi:
        self.router.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.router.__exit__(exc_type, exc, tb)

    async def __aenter__(self) -> MockApi:
        return self.__enter__()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.__exit__(exc_type, exc, tb)
