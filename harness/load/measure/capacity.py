"""Capacity model: M/G/c queue with Erlang C and the Allen-Cunneen correction for G.

From measured service times and throughput it estimates the server's parallelism `c`, the
saturation rate c/E[S], and the highest arrival rate that keeps p95 queue wait under a target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import fmean, pvariance

__all__ = ["CapacityModel", "erlang_c", "estimate_servers"]


def erlang_c(servers: int, offered: float) -> float:
    """Probability an arrival waits in M/M/c with offered load a = λ·E[S] (< c)."""
    if offered <= 0:
        return 0.0
    if offered >= servers:
        return 1.0
    # Erlang B by its stable recurrence, then C from B.
    b = 1.0
    for k in range(1, servers + 1):
        b = offered * b / (k + offered * b)
    rho = offered / servers
    return b / (1 - rho + rho * b)


def estimate_servers(
    max_concurrent_running: int, throughput: float | None, mean_service: float
) -> tuple[int, str]:
    """Parallelism: Little's law on the server at saturation, else the busiest moment seen."""
    if throughput is not None and throughput > 0 and mean_service > 0:
        return max(1, round(throughput * mean_service)), "throughput x mean service time"
    return max(1, max_concurrent_running), "max concurrent in_progress seen"


@dataclass(frozen=True)
class CapacityModel:
    servers: int
    mean_service: float
    cv2_service: float  # squared coefficient of variation of service time
    cv2_arrivals: float = 1.0  # Poisson

    @classmethod
    def fit(
        cls, service_times: list[float], servers: int, cv2_arrivals: float = 1.0
    ) -> CapacityModel:
        if not service_times:
            raise ValueError("no service times measured")
        mean = fmean(service_times)
        cv2 = pvariance(service_times) / mean**2 if mean > 0 else 0.0
        return cls(servers, mean, cv2, cv2_arrivals)

    @property
    def saturation_rate(self) -> float:
        return self.servers / self.mean_service

    def wait_quantile(self, rate: float, q: float = 0.95) -> float:
        """Approximate q-quantile of queue wait at arrival `rate` (inf at or past saturation).

        M/M/c: P(W > t) = C·exp(-(cμ-λ)t); Allen-Cunneen scales waits by (Ca²+Cs²)/2.
        """
        if rate >= self.saturation_rate:
            return math.inf
        c_prob = erlang_c(self.servers, rate * self.mean_service)
        tail = 1 - q
        if c_prob <= tail:
            return 0.0
        drain = self.servers / self.mean_service - rate
        return math.log(c_prob / tail) / drain * (self.cv2_arrivals + self.cv2_service) / 2

    def mean_wait(self, rate: float) -> float:
        if rate >= self.saturation_rate:
            return math.inf
        c_prob = erlang_c(self.servers, rate * self.mean_service)
        drain = self.servers / self.mean_service - rate
        return c_prob / drain * (self.cv2_arrivals + self.cv2_service) / 2

    def max_rate(self, target_wait: float, q: float = 0.95) -> float:
        """Highest arrival rate whose q-quantile queue wait stays at or under `target_wait`."""
        lo, hi = 0.0, self.saturation_rate
        for _ in range(60):
            mid = (lo + hi) / 2
            if self.wait_quantile(mid, q) <= target_wait:
                lo = mid
            else:
                hi = mid
        return lo
