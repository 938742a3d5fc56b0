"""Input validation: valid bodies accepted, each broken rule rejected (4xx, JSON, no job)."""

from __future__ import annotations

from dataclasses import dataclass

from harness import schemas
from harness.cases import Case, draw, invalid_cases, invalid_edges
from harness.checks.context import TRANSIENT_STATUSES, CheckContext
from harness.checks.observations import Read
from harness.checks.registry import Verdict, check, failed, observed, passed, sample, skipped
from harness.errors import TransportError

__all__: list[str] = []


@dataclass(frozen=True)
class Probes:
    sent: list[tuple[Case, Read]]
    unsent: int  # cases not sent: the budget could not absorb one more wrongly created job
    unanswered: int = 0  # cases that got no answer at all, however often re-sent


def _probe_invalid(ctx: CheckContext) -> Probes:
    schema = schemas.load("input")
    cases = invalid_edges(schema, ctx.input_image_url)
    cases += draw(invalid_cases(schema, ctx.input_image_url), ctx.examples, ctx.seed)
    sent: list[tuple[Case, Read]] = []
    unanswered = 0
    for index, case in enumerate(cases):
        if not ctx.ledger.can_create():
            return Probes(sent, len(cases) - index, unanswered)
        try:
            sent.append((case, ctx.submit_probe(case, "invalid-input")))
        except TransportError:
            unanswered += 1
    return Probes(sent, 0, unanswered)


def _probes(ctx: CheckContext) -> Probes:
    return ctx.cached("invalid-probes", lambda: _probe_invalid(ctx))


def _budget_note(probes: Probes) -> str:
    note = f"; {probes.unsent} cases not sent (job budget exhausted)" if probes.unsent else ""
    if probes.unanswered:
        note += f"; {probes.unanswered} got no answer (transport, not judged)"
    return note


@check("invalid-input-rejected", rule="input.invalid-rejected")
def invalid_input_rejected(ctx: CheckContext) -> Verdict:
    probes = _probes(ctx)
    if not probes.sent:
        return skipped("no invalid case sent: the job budget is exhausted")
    accepted = [(c, r) for c, r in probes.sent if r.http_status < 400]
    for case, _ in accepted:
        ctx.save_failing(case, "accepted although invalid")
    if accepted:
        labels = ", ".join(c.label for c, _ in accepted[:3])
        return failed(
            f"{len(accepted)} of {len(probes.sent)} invalid bodies accepted (jobs cancelled at "
            f"once): {labels}{_budget_note(probes)}",
            [r.exchange for _, r in accepted],
        )
    # the first rejection, then one per broken rule (required, type, enum, json, ...)
    shown = sample(probes.sent, key=lambda p: p[0].rule)
    return passed(
        f"{len(probes.sent)} invalid bodies rejected{_budget_note(probes)}",
        [r for _, r in shown],
        judged=len(probes.sent),
    )


@check("invalid-input-4xx-json", rule="input.invalid-4xx-json")
def invalid_input_4xx_json(ctx: CheckContext) -> Verdict:
    probes = _probes(ctx)
    rejected = [(c, r) for c, r in probes.sent if r.http_status >= 400]
    if not rejected:
        return skipped("no invalid body was rejected")
    bad = [(c, r) for c, r in rejected if r.http_status >= 500 or not isinstance(r.body, dict)]
    for case, _ in bad:
        ctx.save_failing(case, "rejected with 5xx or a non-JSON body")
    if bad:
        case, read = bad[0]
        what = "5xx" if read.http_status >= 500 else "a non-JSON body"
        return failed(
            f"{len(bad)} of {len(rejected)} rejections use {what} (first: {case.label}: HTTP "
            f"{read.http_status})",
            [r.exchange for _, r in bad],
        )
    shown = sample(rejected, key=lambda p: (p[1].http_status, p[0].rule))
    return passed(
        f"{len(rejected)} rejections are 4xx with a JSON body",
        [r for _, r in shown],
        judged=len(rejected),
    )


@check("valid-input-accepted", rule="input.valid-accepted")
def valid_input_accepted(ctx: CheckContext) -> Verdict:
    tried = [(c, r) for c, r in ctx.obs.submits if not c.extra]
    if not tried:
        return skipped("no valid body was submitted (job budget)")
    # 429/502/503/504 say "not now", not "not this body": reported (transport), not judged,
    # unless no valid body was accepted at all.
    busy = [(c, r) for c, r in tried if r.http_status in TRANSIENT_STATUSES]
    judged = [(c, r) for c, r in tried if r.http_status not in TRANSIENT_STATUSES] or busy
    note = f"; {len(busy)} answered HTTP 429/502/503/504 (transient, not judged)" if busy else ""
    refused = [(c, r) for c, r in judged if r.http_status != 200]
    for case, _ in refused:
        ctx.save_failing(case, "valid body refused")
    if refused:
        labels = ", ".join(f"{c.label} (HTTP {r.http_status})" for c, r in refused[:3])
        return failed(
            f"{len(refused)} of {len(judged)} valid bodies refused: {labels}",
            [r.exchange for _, r in refused],
        )
    # the first accepted body, then one per distinct output format asked for
    shown = sample(judged, key=lambda p: str(p[0].value("output_format")))
    return passed(
        f"{len(judged)} valid bodies accepted (edges: bounds, enums, 8.0, huge seed){note}",
        [r for _, r in shown],
        judged=len(judged),
    )


@check("unknown-fields", rule="input.unknown-fields")
def unknown_fields(ctx: CheckContext) -> Verdict:
    tried = [(c, r) for c, r in ctx.obs.submits if c.extra]
    if not tried:
        return skipped("no body with unknown fields was submitted (job budget)")
    codes = sorted({r.http_status for _, r in tried})
    verb = "accepted" if codes == [200] else f"answered HTTP {codes}"
    shown = sample(tried, key=lambda p: p[1].http_status)
    return observed(f"bodies with unknown fields {verb}", [r for _, r in shown], judged=len(tried))
