"""The model's knobs: tenants, GPUs, service-time law, retention. Defaults are "realistic"."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

__all__ = [
    "DEFAULT_TOKENS",
    "MAX_IMAGE_BYTES",
    "MODEL_ID",
    "TOKENS_ENV",
    "ModelConfig",
    "ServiceTimes",
    "tenant_label",
]

MODEL_ID = "nvidia/chrono-edit/lora"
# Tokens an embedded emulator or mock accepts unless told otherwise (one tenant each). They are
# published here, so an emulator reachable from other machines refuses them.
DEFAULT_TOKENS: tuple[str, ...] = ("emulator-token-1", "emulator-token-2")
# Where `serve` (and so `python -m harness.emulator`) reads its tokens when no flag names them:
# how the harness hands tokens to an emulator process without putting them in its argv.
TOKENS_ENV = "CHRONOEDIT_EMULATOR_TOKENS"


def tenant_label(tenant: int) -> str:
    """How ground truth names tenant `tenant` (the index of its token): never the token."""
    return f"tenant-{tenant + 1}"


MAX_IMAGE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class ServiceTimes:
    """Seconds a GPU spends on one job: steps x time_per_step (x720p factor), + Magic Prompt.

    Defaults give ~10 s at 8 steps/480p, the public figure for this model.
    """

    time_per_step: float = 1.0
    factor_720p: float = 2.2
    prompt_expansion: float | None = None  # None: 1.5 x time_per_step
    jitter_sigma: float = 0.1  # lognormal multiplicative jitter
    cold_start: float = 0.0  # extra seconds on a worker's first job
    fetch_failure: float | None = None  # time to fail on a bad input image; None: 0.1 x step

    def expansion_seconds(self) -> float:
        if self.prompt_expansion is not None:
            return self.prompt_expansion
        return 1.5 * self.time_per_step

    def failure_seconds(self) -> float:
        return 0.1 * self.time_per_step if self.fetch_failure is None else self.fetch_failure

    def sample(
        self, rng: random.Random, *, steps: int, hd: bool, expand: bool, cold: bool
    ) -> float:
        base = self.time_per_step * max(1, steps) * (self.factor_720p if hd else 1.0)
        if expand:
            base += self.expansion_seconds()
        if self.jitter_sigma > 0:
            base *= math.exp(rng.gauss(-(self.jitter_sigma**2) / 2, self.jitter_sigma))
        return base + (self.cold_start if cold else 0.0)


@dataclass(frozen=True)
class ModelConfig:
    tokens: tuple[str, ...] = DEFAULT_TOKENS
    workers: int = 4
    times: ServiceTimes = field(default_factory=ServiceTimes)
    seed: int = 0
    retention: float = 3600.0  # seconds a finished job stays readable, then 404
    failure_rate: float = 0.0  # fraction of otherwise good jobs that fail at random
    max_image_bytes: int = MAX_IMAGE_BYTES
    ground_truth_limit: int = 10_000  # forgotten jobs whose record /_emulator/jobs still keeps
    # /_emulator/jobs only with a tenant's token, showing only that tenant's jobs (an emulator
    # reachable from other machines); else open, as befits a test fixture on loopback.
    truth_needs_auth: bool = False

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError("workers must be >= 1")
        if not self.tokens or any(not t.strip() for t in self.tokens):
            raise ValueError("at least one non-empty token is needed")
        if self.retention <= 0:
            raise ValueError("retention must be > 0")
        if not 0.0 <= self.failure_rate <= 1.0:
            raise ValueError("failure_rate must be in [0, 1]")
