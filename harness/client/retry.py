"""Which calls may be retried, and how long to wait between tries.

Only safe reads (status, result) are retried. A submit is never retried: the API has no
idempotency key, so a retried POST can create, and bill, a second job. A cancel is not retried
either: its answer says what happened, and the caller decides.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["NO_RETRY", "RETRYABLE_STATUSES", "RetryPolicy"]

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, the first included
    base_delay: float = 0.25
    max_delay: float = 8.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def delay(self, attempt: int, retry_after: str | None = None) -> float:
        """Wait before try number `attempt + 1` (attempt counts from 1): full jitter, capped."""
        if retry_after is not None:
            try:
                return min(self.max_delay, max(0.0, float(retry_after)))
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        ceiling = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return self.rng.uniform(0, ceiling)

    def should_retry(self, attempt: int, status_code: int | None) -> bool:
        """`status_code` None means a transport error (no answer at all)."""
        if attempt >= self.attempts:
            return False
        return status_code is None or status_code in RETRYABLE_STATUSES


NO_RETRY = RetryPolicy(attempts=1)
