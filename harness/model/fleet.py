"""A fleet of GPUs as a FIFO multi-server queue, simulated on a virtual clock: no I/O, no sleeps.

Jobs arrive (Poisson, constant, bursts, diurnal, or replayed submit times), wait in one FIFO
queue, and run on the first free worker (a warm one when several are idle). A worker's first
job, or its first after idling longer than `keep_warm`, pays `cold_start` extra; a job fails
with probability `failure_rate` after a uniform part of its service. Deterministic by seed, and
every random stream is drawn apart (arrivals, service, failures), so two runs that differ only
in rate or worker count see the same jobs: comparisons between them are paired.

Each job costs O(log c): a heap of busy workers' free times and a stack of idle ones.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ARRIVALS",
    "Arrivals",
    "Fleet",
    "FleetRun",
    "ServiceLaw",
    "WaitSummary",
    "max_rate_for",
    "nearest_rank",
    "replay",
    "simulate",
    "workers_for",
]

ARRIVALS = ("poisson", "constant", "bursts", "diurnal", "replay")
FloatArray = np.ndarray


def nearest_rank(values: Sequence[float] | FloatArray, q: float) -> float:
    """The q-quantile by nearest rank (the smallest value with at least q of them at or below)."""
    ordered = np.sort(np.asarray(values, dtype=float))
    if ordered.size == 0:
        raise ValueError("no values")
    return float(ordered[max(0, math.ceil(q * ordered.size) - 1)])


@dataclass(frozen=True)
class ServiceLaw:
    """Seconds a job holds a worker: lognormal or gamma by mean and CV, or measured samples."""

    mean: float = 1.0
    cv: float = 0.0
    family: str = "lognormal"  # or "gamma"
    samples: tuple[float, ...] = ()  # empirical: resampled with replacement

    def __post_init__(self) -> None:
        if self.samples:
            if min(self.samples) < 0 or not all(map(math.isfinite, self.samples)):
                raise ValueError("service times must be finite and >= 0")
            if max(self.samples) <= 0:
                raise ValueError("service times must not all be zero")
        elif not (self.mean > 0 and math.isfinite(self.mean)):
            raise ValueError("mean service time must be > 0")
        if not 0 <= self.cv <= 10:
            raise ValueError("service-time CV must be in [0, 10]")
        if self.family not in ("lognormal", "gamma"):
            raise ValueError("service-time family is 'lognormal' or 'gamma'")

    @classmethod
    def measured(cls, samples: Sequence[float]) -> ServiceLaw:
        return cls(samples=tuple(float(s) for s in samples))

    @property
    def expected(self) -> float:
        return float(np.mean(self.samples)) if self.samples else self.mean

    @property
    def cv2(self) -> float:
        if self.samples:
            return float(np.var(self.samples)) / self.expected**2
        return self.cv**2

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        if self.samples:
            picked: FloatArray = rng.choice(np.asarray(self.samples, dtype=float), size=n)
            return picked
        if self.cv == 0:
            return np.full(n, self.mean)
        if self.family == "gamma":
            shape = 1 / self.cv**2
            return rng.gamma(shape, self.mean / shape, size=n)
        sigma2 = math.log1p(self.cv**2)  # lognormal with this mean and CV
        return rng.lognormal(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2), size=n)


@dataclass(frozen=True)
class Arrivals:
    """When jobs arrive, in seconds from the start, open loop (never waits for completions)."""

    process: str = "poisson"
    rate: float = 0.0  # mean jobs per second (replay: 0 keeps the trace's own, else rescaled)
    burst: int = 6  # bursts: jobs arriving together, bursts a Poisson process
    amplitude: float = 0.5  # diurnal: rate(t) = rate * (1 + amplitude * sin(2 pi t / period))
    period: float = 86_400.0
    times: tuple[float, ...] = ()  # replay: submit times (any origin)

    def __post_init__(self) -> None:
        if self.process not in ARRIVALS:
            raise ValueError(f"arrivals are one of {', '.join(ARRIVALS)}")
        if self.process == "replay":
            if len(self.times) < 2 or not all(map(math.isfinite, self.times)):
                raise ValueError("a replay needs at least two finite submit times")
        elif not (self.rate > 0 and math.isfinite(self.rate)):
            raise ValueError("arrival rate must be > 0")
        if self.burst < 1:
            raise ValueError("a burst is at least one job")
        if not 0 <= self.amplitude <= 1 or self.period <= 0:
            raise ValueError("diurnal amplitude is in [0, 1] and its period > 0")

    def with_rate(self, rate: float) -> Arrivals:
        return Arrivals(self.process, rate, self.burst, self.amplitude, self.period, self.times)

    @property
    def mean_rate(self) -> float:
        return self.rate if self.rate > 0 else self._trace_rate()

    def _trace_rate(self) -> float:
        ordered = sorted(self.times)
        return (len(ordered) - 1) / max(ordered[-1] - ordered[0], 1e-12)

    def draw(self, rng: np.random.Generator, n: int) -> FloatArray:
        """The first `n` arrival offsets, sorted (replay: the whole trace, `n` ignored)."""
        if self.process == "replay":
            trace = np.sort(np.asarray(self.times, dtype=float))
            trace -= trace[0]
            return trace * (self._trace_rate() / self.rate) if self.rate > 0 else trace
        if self.process == "constant":
            return np.arange(n, dtype=float) / self.rate
        if self.process == "bursts":
            starts = np.cumsum(rng.standard_exponential(-(-n // self.burst))) * self.burst
            return np.repeat(starts / self.rate, self.burst)[:n]
        gaps = rng.standard_exponential(n) / self.rate
        if self.process == "poisson":
            return np.cumsum(gaps)
        return self._thinned(rng, n)

    def _thinned(self, rng: np.random.Generator, n: int) -> FloatArray:
        """Diurnal: a Poisson process at the peak rate, each arrival kept with rate(t)/peak."""
        peak = self.rate * (1 + self.amplitude)
        kept: list[FloatArray] = []
        t0, have = 0.0, 0
        while have < n:
            t = t0 + np.cumsum(rng.standard_exponential(2 * (n - have) + 16) / peak)
            wave = 1 + self.amplitude * np.sin(2 * math.pi * t / self.period)
            keep = t[rng.random(t.size) * (1 + self.amplitude) < wave]
            kept.append(keep)
            have += keep.size
            t0 = float(t[-1])
        return np.concatenate(kept)[:n]


@dataclass(frozen=True)
class Fleet:
    workers: int
    cold_start: float = 0.0  # extra seconds on a worker's first job, or after a long idle
    keep_warm: float = math.inf  # idle seconds after which a worker is cold again
    failure_rate: float = 0.0  # chance a job fails, after a uniform part of its service

    def __post_init__(self) -> None:
        if not 1 <= self.workers <= 100_000:
            raise ValueError("workers must be between 1 and 100000")
        if self.cold_start < 0 or self.keep_warm < 0:
            raise ValueError("cold start and keep-warm must be >= 0")
        if not 0 <= self.failure_rate <= 1:
            raise ValueError("failure rate must be in [0, 1]")

    def with_workers(self, workers: int) -> Fleet:
        return Fleet(workers, self.cold_start, self.keep_warm, self.failure_rate)


@dataclass(frozen=True)
class WaitSummary:
    """One run's queue waits: quantiles, and the p95 with a batch-means 95% interval."""

    jobs: int
    mean: float
    p50: float
    p95: float
    p99: float
    p95_low: float
    p95_high: float
    waited: float  # fraction of jobs that waited at all


@dataclass
class FleetRun:
    fleet: Fleet
    arrival: FloatArray
    start: FloatArray
    finish: FloatArray
    failed: np.ndarray
    cold: np.ndarray

    @property
    def waits(self) -> FloatArray:
        waits: FloatArray = self.start - self.arrival
        return waits

    @property
    def jobs(self) -> int:
        return int(self.arrival.size)

    @property
    def offered_rate(self) -> float:
        span = float(self.arrival[-1] - self.arrival[0])
        return (self.jobs - 1) / span if span > 0 else math.inf

    @property
    def utilisation(self) -> float:
        span = float(self.finish.max() - self.arrival[0])
        busy = float(np.sum(self.finish - self.start))
        return busy / (self.fleet.workers * span) if span > 0 else 1.0

    def summary(self, q: float = 0.95, batches: int = 20) -> WaitSummary:
        waits = self.waits
        low, high = batch_interval(waits, q, batches)
        return WaitSummary(
            self.jobs,
            float(np.mean(waits)),
            nearest_rank(waits, 0.5),
            nearest_rank(waits, q),
            nearest_rank(waits, 0.99),
            low,
            high,
            float(np.mean(waits > 0)),
        )


def batch_interval(values: FloatArray, q: float, batches: int = 20) -> tuple[float, float]:
    """95% interval of the q-quantile by sectioning: the pooled quantile, give or take the
    spread of the quantiles of consecutive batches (neighbouring jobs' waits are correlated,
    so the batches, not the jobs, are the independent-ish samples)."""
    if values.size < 2 * batches:
        return -math.inf, math.inf
    per = [nearest_rank(b, q) for b in np.array_split(values, batches)]
    half = 2.093 * float(np.std(per, ddof=1)) / math.sqrt(batches)  # Student t, 19 d.f.
    center = nearest_rank(values, q)
    return max(0.0, center - half), center + half


def _run(fleet: Fleet, arrival: FloatArray, service: FloatArray, fail_at: FloatArray) -> FleetRun:
    """FIFO on c workers: each job takes the free worker freed last, else waits for the first."""
    cold_cost, keep_warm = fleet.cold_start, fleet.keep_warm
    busy: list[float] = []  # heap of busy workers' free times
    idle: list[float] = [-math.inf] * fleet.workers  # free times, the latest on top
    starts: list[float] = []
    finishes: list[float] = []
    colds: list[bool] = []
    push, pop, replace = heapq.heappush, heapq.heappop, heapq.heapreplace
    for a, s in zip(arrival.tolist(), np.minimum(service, fail_at).tolist(), strict=True):
        while busy and busy[0] <= a:
            idle.append(pop(busy))
        waited = not idle
        free = start = busy[0] if waited else idle.pop()
        if not waited:
            start = a
        cold = free == -math.inf or start - free > keep_warm
        end = start + s + (cold_cost if cold else 0.0)
        if waited:
            replace(busy, end)  # the worker freed first takes the job
        else:
            push(busy, end)
        starts.append(start)
        finishes.append(end)
        colds.append(cold)
    return FleetRun(
        fleet, arrival, np.array(starts), np.array(finishes), fail_at < service, np.array(colds)
    )


def replay(fleet: Fleet, arrival: Sequence[float], service: Sequence[float]) -> FleetRun:
    """The given jobs (arrival times in order, and their service times) through the fleet."""
    arrivals = np.asarray(arrival, dtype=float)
    if arrivals.size == 0 or arrivals.size != len(service):
        raise ValueError("one service time per arrival, and at least one job")
    if np.any(np.diff(arrivals) < 0):
        raise ValueError("arrival times must be in order")
    return _run(fleet, arrivals, np.asarray(service, dtype=float), np.full(arrivals.size, np.inf))


def simulate(
    fleet: Fleet, law: ServiceLaw, arrivals: Arrivals, jobs: int = 10_000, seed: int = 0
) -> FleetRun:
    """One run of `jobs` jobs (replay: the trace's own count)."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3)]
    arrival = arrivals.draw(streams[0], jobs)
    n = arrival.size
    if n == 0:
        raise ValueError("no jobs to simulate")
    service = law.draw(streams[1], n)
    fails = streams[2].random(n) < fleet.failure_rate
    fail_at = np.where(fails, service * streams[2].random(n), np.inf)
    return _run(fleet, arrival, service, fail_at)


def workers_for(
    target: float,
    fleet: Fleet,
    law: ServiceLaw,
    arrivals: Arrivals,
    *,
    q: float = 0.95,
    jobs: int = 100_000,
    seed: int = 0,
    limit: int = 100_000,
) -> int | None:
    """Fewest workers whose q-quantile queue wait is at most `target` (None: not even `limit`).

    Starts at the load's own floor (rate x mean service), gallops up, then bisects; the same
    seed for every count, so the waits fall monotonically with more workers."""

    def meets(c: int) -> bool:
        run = simulate(fleet.with_workers(c), law, arrivals, jobs, seed)
        return nearest_rank(run.waits, q) <= target

    low = max(1, math.floor(arrivals.mean_rate * law.expected))  # the last count known to fail
    if meets(low):
        if low == 1:
            return 1
        low = 0
    high = max(low + 1, 1)
    while not meets(high):
        if high >= limit:
            return None
        low, high = high, min(limit, 2 * high)
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if meets(mid) else (mid, high)
    return high


def max_rate_for(
    target: float,
    fleet: Fleet,
    law: ServiceLaw,
    *,
    q: float = 0.95,
    process: str = "poisson",
    jobs: int = 100_000,
    seed: int = 0,
    tolerance: float = 0.002,
) -> float:
    """Highest arrival rate whose q-quantile queue wait is at most `target`, by bisection on
    paired runs (the same jobs, arrivals time-scaled), between 0 and the fleet's capacity."""
    capacity = fleet.workers / law.expected
    low, high = 0.0, capacity
    while high - low > tolerance * capacity:
        mid = (low + high) / 2
        run = simulate(fleet, law, Arrivals(process, mid), jobs, seed)
        low, high = (mid, high) if nearest_rank(run.waits, q) <= target else (low, mid)
    return low
