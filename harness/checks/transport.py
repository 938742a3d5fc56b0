"""Transport noise, reported not hidden: calls with no answer, 5xx and 429 answers, re-sends.

The reference client retries safe reads (status, result) on 429/5xx and on a lost connection;
probes that should change nothing are re-sent; a submit is never re-sent (it could bill twice)
and a workload cancel that got no answer is void. The checks judge the final answers; this one
counts everything that went wrong on the way, so a noisy server shows as noisy.
"""

from __future__ import annotations

from collections import Counter

from harness.checks.context import CheckContext
from harness.checks.observations import endpoint_of
from harness.checks.registry import Verdict, check, observed, sample
from harness.evidence import Exchange

__all__ = ["transport_counts"]


def _problem(exchange: Exchange) -> str | None:
    if exchange.status_code is None:
        return "no answer"
    if exchange.status_code >= 500 or exchange.status_code == 429:
        return f"HTTP {exchange.status_code}"
    if exchange.error:  # an answer the client cut: over its byte cap, or past its deadline
        return f"cut ({exchange.error.split(':', 1)[0]})"
    return None


def transport_counts(exchanges: list[Exchange]) -> dict[str, dict[str, int]]:
    """{endpoint: {problem: count}} for the calls that got no answer or a 429/5xx answer."""
    counts: dict[str, Counter[str]] = {}
    for exchange in exchanges:
        problem = _problem(exchange)
        if problem is not None:
            endpoint = endpoint_of(exchange) or "other"
            counts.setdefault(endpoint, Counter())[problem] += 1
    return {e: dict(sorted(c.items())) for e, c in sorted(counts.items())}


@check("transport", rule="transport.noise")
def transport(ctx: CheckContext) -> Verdict:
    exchanges = ctx.obs.exchanges
    counts = transport_counts(exchanges)
    if not counts:
        return observed(
            f"{len(exchanges)} calls: none lost, none answered 429/5xx (no evidence: nothing to "
            "show)",
            judged=len(exchanges),
        )
    parts = [
        f"{endpoint}: " + ", ".join(f"{n} {what}" for what, n in problems.items())
        for endpoint, problems in counts.items()
    ]
    total = sum(sum(p.values()) for p in counts.values())
    notes = f"; notes: {'; '.join(ctx.obs.notes[:3])}" if ctx.obs.notes else ""
    # the first problem, then one per further (endpoint, problem)
    shown = sample(
        (e for e in exchanges if _problem(e) is not None),
        key=lambda e: (endpoint_of(e), _problem(e)),
    )
    return observed(
        f"{total} of {len(exchanges)} calls lost or answered 429/5xx ({'; '.join(parts)}){notes}",
        shown,
        judged=len(exchanges),
    )
