"""Poll policies: how long to wait before each next status read of one job."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

__all__ = ["ExponentialBackoff", "FixedInterval", "PollPolicy", "parse_policy"]


@runtime_checkable
class PollPolicy(Protocol):
    """A fresh, possibly endless, sequence of delays for each job."""

    @property
    def name(self) -> str: ...

    def delays(self) -> Iterator[float]: ...


@dataclass(frozen=True)
class FixedInterval:
    interval: float = 1.0

    def __post_init__(self) -> None:
        if self.interval <= 0:
            raise ValueError("poll interval must be > 0")

    @property
    def name(self) -> str:
        return f"fixed {self.interval:g}s"

    def delays(self) -> Iterator[float]:
        while True:
            yield self.interval


@dataclass(frozen=True)
class ExponentialBackoff:
    """initial * factor^k, capped; with `jitter` j each delay is scaled by U(1-j, 1+j)."""

    initial: float = 1.0
    factor: float = 1.5
    cap: float = 30.0
    jitter: float = 0.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.factor < 1 or self.cap < self.initial:
            raise ValueError("backoff needs initial > 0, factor >= 1, cap >= initial")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter must be in [0, 1)")

    @property
    def name(self) -> str:
        text = f"backoff {self.initial:g}s x{self.factor:g} cap {self.cap:g}s"
        return text + (f" jitter {self.jitter:g}" if self.jitter else "")

    def delays(self) -> Iterator[float]:
        delay = self.initial
        while True:
            scale = self.rng.uniform(1 - self.jitter, 1 + self.jitter) if self.jitter else 1.0
            yield min(self.cap, delay) * scale
            delay = min(self.cap, delay * self.factor)


def parse_policy(text: str) -> PollPolicy:
    """`1` or `fixed:1` → FixedInterval(1); `backoff:1,1.5,30[,0.1]` → ExponentialBackoff."""
    kind, _, spec = text.partition(":")
    try:
        if not spec:
            return FixedInterval(float(kind))
        if kind == "fixed":
            return FixedInterval(float(spec))
        if kind == "backoff":
            numbers = [float(part) for part in spec.split(",")]
            if not 3 <= len(numbers) <= 4:
                raise ValueError("backoff takes INITIAL,FACTOR,CAP[,JITTER]")
            jitter = numbers[3] if len(numbers) == 4 else 0.0
            return ExponentialBackoff(numbers[0], numbers[1], numbers[2], jitter)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"bad poll policy {text!r}: {exc}") from None
    raise ValueError(f"bad poll policy {text!r}: use SECONDS, fixed:S or backoff:I,F,CAP[,JITTER]")
