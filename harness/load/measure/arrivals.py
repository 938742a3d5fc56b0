"""Open-loop arrival schedules: when each job is *meant* to be submitted, fixed in advance.

The schedule never waits for completions (no coordinated omission); a generator that falls
behind submits late, and the lateness is recorded as schedule lag.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["ArrivalSchedule"]


@dataclass(frozen=True)
class ArrivalSchedule:
    rate: float  # jobs per second
    process: str = "poisson"  # or "constant", or "bursts"
    seed: int = 0
    burst: int = 6  # bursts: jobs due at the same instant, bursts a Poisson process

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("arrival rate must be > 0")
        if self.process not in ("poisson", "constant", "bursts"):
            raise ValueError("arrivals are 'poisson', 'constant' or 'bursts'")
        if self.burst < 1:
            raise ValueError("a burst is at least one job")

    def offsets(self, duration: float) -> Iterator[float]:
        """Seconds after the start at which jobs are due, up to `duration`."""
        rng = random.Random(self.seed)
        if self.process == "bursts":  # same mean rate, but a queue forms behind each burst
            t = rng.expovariate(self.rate / self.burst)
            while t < duration:
                yield from [t] * self.burst
                t += rng.expovariate(self.rate / self.burst)
            return
        t = 0.0 if self.process == "constant" else rng.expovariate(self.rate)
        while t < duration:
            yield t
            t += 1 / self.rate if self.process == "constant" else rng.expovariate(self.rate)
