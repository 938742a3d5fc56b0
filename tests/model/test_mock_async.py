"""MockApi with httpx.AsyncClient: a minutes-long life cycle on the virtual clock, instantly."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from harness.mock import MockApi
from harness.model import MODEL_ID
from harness.model import api as api_module


def test_async_client_and_virtual_sleep() -> None:
    async def scenario() -> str:
        async with MockApi() as api, httpx.AsyncClient(base_url=api.base_url) as client:
            headers = {"Authorization": f"Bearer {api.token}"}
            body = {"image_url": api.sample_url(), "prompt": "p", "resolution": "720p"}
            r = await client.post(f"/v1/models/{MODEL_ID}", json=body, headers=headers)
            rid = r.json()["request_id"]
            status = ""
            while status != "completed":
                await api.clock.asleep(1.0)
                status = (await client.get(f"/v1/requests/{rid}/status", headers=headers)).json()[
                    "status"
                ]
            assert api.ground_truth()[0]["service_time"] > 15  # ~20 s of virtual time
            return status

    assert asyncio.run(scenario()) == "completed"


def test_output_image_rendered_once_outside_the_model_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A 720p render takes tens of ms: the model's other calls must not wait behind it."""
    locked_while_rendering: list[bool] = []
    real_render = api_module.render_output

    def spy(*args: Any, **kwargs: Any) -> bytes:
        locked_while_rendering.append(api.model._lock.locked())
        return real_render(*args, **kwargs)

    monkeypatch.setattr(api_module, "render_output", spy)
    with MockApi() as api, httpx.Client(base_url=api.base_url) as client:
        headers = {"Authorization": f"Bearer {api.token}"}
        body = {"image_url": api.sample_url(), "prompt": "p", "output_format": "png"}
        rid = client.post(f"/v1/models/{MODEL_ID}", json=body, headers=headers).json()["request_id"]
        api.clock.advance(60)
        image = client.get(f"/v1/requests/{rid}/result", headers=headers).json()["output"]["image"]
        first, again = client.get(image), client.get(image)
    assert first.status_code == again.status_code == 200
    assert first.headers["content-type"] == again.headers["content-type"] == "image/png"
    assert first.content == again.content
    assert locked_while_rendering == [False]  # rendered once (then cached), lock released
