"""A job never starts before its own submit stamp, even when time passes while a call is handled
(the model advances its queue, then stamps the new job: a GPU can free up in between)."""

from __future__ import annotations

import httpx

from harness.clock import VirtualClock
from harness.mock import MockApi
from harness.model import MODEL_ID
from harness.model.config import ModelConfig, ServiceTimes


class TickingClock(VirtualClock):
    """Every read of the time costs `tick` seconds, as on a busy server."""

    def __init__(self, tick: float) -> None:
        super().__init__()
        self.tick = tick

    def now(self) -> float:
        self.advance(self.tick)
        return super().now()


def _waits_of_a_pair(gap: float) -> list[float]:
    """Job A, then `gap` seconds later job B, on one GPU; both jobs' true waits."""
    # jobs of exactly 0.35 s (2 steps at 0.1 s + 0.15 s of prompt expansion); every clock read
    # costs 0.05 s, so B's submit reads the time (advance) before it stamps B
    times = ServiceTimes(time_per_step=0.1, jitter_sigma=0.0)
    config = ModelConfig(workers=1, times=times)
    with MockApi(config=config, clock=TickingClock(0.05)) as api, httpx.Client() as client:
        headers = {"Authorization": f"Bearer {api.token}"}
        body = {"image_url": api.sample_url(), "prompt": "p", "num_inference_steps": 2}
        for pause in (0.0, gap):
            api.clock.advance(pause)
            r = client.post(f"{api.base_url}/v1/models/{MODEL_ID}", json=body, headers=headers)
            assert r.status_code == 200
        api.clock.advance(60)
        return [j["started_at"] - j["submitted_at"] for j in api.ground_truth()]


def test_no_job_starts_before_it_was_submitted() -> None:
    # sweep B's arrival across A's end: at some gap A finishes between B's advance and B's stamp
    waits = [w for i in range(60) for w in _waits_of_a_pair(i * 0.01)]
    assert min(waits) >= 0, min(waits)
    assert max(waits) > 0  # some B did queue behind A: the case was exercised
