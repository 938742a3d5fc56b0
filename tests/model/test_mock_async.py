"""MockApi with httpx.AsyncClient: a minutes-long life cycle on the virtual clock, instantly."""

from __future__ import annotations

import asyncio

import httpx

from harness.mock import MockApi
from harness.model import MODEL_ID


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
