"""One-minute load runs simulated on the model (respx mock, virtual clock): true per-job times."""

from __future__ import annotations

import random

import httpx

from harness.mock import MockApi
from harness.model import MODEL_ID, ModelConfig
from harness.model.config import ServiceTimes

__all__ = ["simulated_run"]


def simulated_run(
    seed: int, *, time_per_step: float = 0.07, rate: float = 2.4, duration: float = 60.0
) -> dict[str, list[float]]:
    """Poisson arrivals on 2 GPUs (the embedded emulator's defaults); values in submit order."""
    config = ModelConfig(workers=2, times=ServiceTimes(time_per_step=time_per_step), seed=seed)
    rng = random.Random(seed + 10_000)
    with MockApi(config=config) as api, httpx.Client(base_url=api.base_url) as http:
        headers = {"Authorization": f"Bearer {api.token}"}
        body = {"image_url": api.sample_url(), "prompt": "p"}
        start = api.clock.now()
        at = start + rng.expovariate(rate)
        while at < start + duration:
            api.clock.sleep(at - api.clock.now())
            http.post(f"/v1/models/{MODEL_ID}", json=body, headers=headers).raise_for_status()
            at += rng.expovariate(rate)
        api.clock.sleep(600.0)
        http.get("/v1/requests/none/status", headers=headers)  # let the model catch up
        truth = sorted(api.ground_truth(), key=lambda t: t["submitted_at"])
    return {
        "queue_wait": [t["started_at"] - t["submitted_at"] for t in truth],
        "run_time": [t["finished_at"] - t["started_at"] for t in truth],
        "end_to_end": [t["finished_at"] - t["submitted_at"] for t in truth],
    }
