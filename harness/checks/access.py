"""Who may see what: tokens on every endpoint, tenants, unknown request ids."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from functools import partial

from harness import schemas
from harness.cases import Case
from harness.cases.edges import base_body
from harness.checks.context import CheckContext
from harness.checks.observations import Read
from harness.checks.registry import Verdict, check, failed, observed, passed, sample, skipped
from harness.client import Call
from harness.client.protocol import Endpoint
from harness.errors import TransportError
from harness.secrets import Token

__all__: list[str] = []

_WRONG = Token("chronoedit-harness-wrong-token")
_ON_JOB: tuple[Endpoint, ...] = ("status", "result", "cancel")


def _auth_probes(ctx: CheckContext) -> tuple[list[tuple[str, Read]], str]:
    reads: list[tuple[str, Read]] = []
    notes = ""
    unanswered = 0
    job = ctx.obs.finished_job()
    for label, token in (("missing token", None), ("wrong token", _WRONG)):
        sends: list[tuple[str, Callable[[], Read]]] = []
        if ctx.ledger.can_create():
            body = base_body(schemas.load("input"), ctx.input_image_url)
            case = Case("auth probe", True, body=body)
            sends.append((f"submit, {label}", partial(ctx.submit_probe, case, "auth", token=token)))
        else:
            notes = "; submit not probed (job budget exhausted)"
        if job is not None:
            for endpoint in _ON_JOB:
                call = Call.on_request(endpoint, job.request_id)
                sends.append((f"{endpoint}, {label}", partial(ctx.probe, call, token=token)))
        for what, send in sends:
            try:
                reads.append((what, send()))
            except TransportError:
                unanswered += 1
    if job is None:
        notes += "; status/result/cancel not probed (no job of the run's own finished)"
    if unanswered:
        notes += f"; {unanswered} probes got no answer (transport, not judged)"
    return reads, notes


def _auth(ctx: CheckContext) -> tuple[list[tuple[str, Read]], str]:
    return ctx.cached("auth-probes", lambda: _auth_probes(ctx))


@check("auth-required", rule="auth.token-required")
def auth_required(ctx: CheckContext) -> Verdict:
    reads, notes = _auth(ctx)
    if not reads:
        return skipped("nothing to probe" + notes)
    bad = [(what, r) for what, r in reads if not 400 <= r.http_status < 500]
    if bad:
        what, read = bad[0]
        return failed(
            f"{len(bad)} of {len(reads)} unauthenticated calls not rejected with 4xx (first: "
            f"{what}: HTTP {read.http_status}){notes}",
            [r.exchange for _, r in bad],
        )
    # one per endpoint (all four), the first of them with a missing token
    shown = sample(reads, key=lambda p: p[1].endpoint, limit=4)
    return passed(
        f"{len(reads)} unauthenticated calls rejected with 4xx{notes}",
        [r for _, r in shown],
        judged=len(reads),
    )


@check("auth-status-code", rule="auth.status-code")
def auth_status_code(ctx: CheckContext) -> Verdict:
    reads, _ = _auth(ctx)
    if not reads:
        return skipped("no auth probe was sent")
    codes = sorted({r.http_status for _, r in reads})
    shown = sample((r for _, r in reads), key=lambda r: r.http_status)
    return observed(f"unauthenticated calls answered HTTP {codes}", shown, judged=len(reads))


@check("tenant-isolation", rule="tenant.isolation")
def tenant_isolation(ctx: CheckContext) -> Verdict:
    if ctx.second_token is None:
        return skipped("no second token given (--second-token)")
    job = ctx.obs.finished_job()
    if job is None:
        return skipped("no job of the run's own finished")
    reads = _answered(
        partial(ctx.probe, Call.on_request(endpoint, job.request_id), token=ctx.second_token)
        for endpoint in _ON_JOB
    )
    if not reads:
        return skipped("no probe with the second token got an answer (transport)")
    # Only an answer that reads or cancels breaks this rule; a 5xx is judged by unknown-request.
    bad = [r for r in reads if r.http_status < 400]
    if bad:
        which = ", ".join(f"{r.endpoint} HTTP {r.http_status}" for r in bad)
        return failed(f"the second token reached the first token's job: {which}", bad)
    codes = sorted({r.http_status for r in reads})
    shown = sample(reads, key=lambda r: r.endpoint)
    return passed(
        f"the second token got HTTP {codes} on status, result and cancel",
        shown,
        judged=len(reads),
    )


def _answered(sends: Iterable[Callable[[], Read]]) -> list[Read]:
    """The reads of the probes that got an answer (each is re-sent a few times first)."""
    reads = []
    for send in sends:
        try:
            reads.append(send())
        except TransportError:
            continue
    return reads


def _unknown(ctx: CheckContext) -> list[Read]:
    rid = str(uuid.UUID(int=ctx.seed + 0x5EED, version=4))
    return ctx.cached(
        "unknown-id",
        lambda: _answered(partial(ctx.probe, Call.on_request(e, rid)) for e in _ON_JOB),
    )


@check("unknown-request-4xx", rule="request.unknown-4xx")
def unknown_request_4xx(ctx: CheckContext) -> Verdict:
    reads = _unknown(ctx)
    if not reads:
        return skipped("no probe of an unknown id got an answer (transport)")
    bad = [r for r in reads if not 400 <= r.http_status < 500]
    if bad:
        which = ", ".join(f"{r.endpoint} HTTP {r.http_status}" for r in bad)
        return failed(f"unknown request id answered {which}", bad)
    shown = sample(reads, key=lambda r: r.endpoint)
    return passed(
        "unknown request id answered 4xx on status, result and cancel", shown, judged=len(reads)
    )


@check("unknown-request-404", rule="request.unknown-404")
def unknown_request_404(ctx: CheckContext) -> Verdict:
    reads = _unknown(ctx)
    if not reads:
        return skipped("no probe of an unknown id got an answer (transport)")
    bad = [r for r in reads if r.http_status != 404]
    if bad:
        which = ", ".join(f"{r.endpoint} HTTP {r.http_status}" for r in bad)
        return failed(f"unknown request id answered {which}, not 404", bad)
    shown = sample(reads, key=lambda r: r.endpoint)
    return passed("unknown request id answered 404", shown, judged=len(reads))
