"""Response shapes: schemas of the four endpoints and of errors, submit URLs, words, JSON type."""

from __future__ import annotations

from harness import schemas
from harness.checks.context import TRANSIENT_STATUSES, CheckContext
from harness.checks.observations import endpoint_of
from harness.checks.registry import Verdict, check, failed, passed, sample, skipped
from harness.client.vocabulary import RESULT_WORDS, STATUS_WORDS
from harness.evidence import Exchange

__all__: list[str] = []

_SCHEMA = {
    "submit": "submit-response",
    "status": "status-response",
    "result": "result-response",
    "cancel": "cancel-response",
}
_SUCCESS = {"submit": 200, "status": 200, "result": 200, "cancel": 202}


@check("response-schema", rule="response.schema")
def response_schema(ctx: CheckContext) -> Verdict:
    """Every answer with its endpoint's success status, whatever its content type: a body that
    is not JSON there breaks the shape (it is judged, never skipped)."""
    bad, judged = [], []
    problems: list[str] = []
    for ex in ctx.obs.api_exchanges():
        endpoint = endpoint_of(ex)
        if endpoint is None or ex.status_code is None:
            continue
        redirect = 300 <= ex.status_code < 400  # the contract answers 2xx: never a redirect
        if ex.status_code != _SUCCESS[endpoint] and not redirect:
            continue
        judged.append(ex)
        body = ex.response_json()
        if redirect:
            errors = [f"HTTP {ex.status_code}, a redirect where it answers {_SUCCESS[endpoint]}"]
        elif body is None:
            errors = [f"the body is not JSON ({_ctype(ex) or 'no content type'})"]
        else:
            errors = schemas.validation_errors(_SCHEMA[endpoint], body)
        if errors:
            bad.append(ex)
            problems.append(f"{endpoint}: {errors[0]}")
    if not judged:
        return skipped("no successful API answer was seen")
    if bad:
        return failed(
            f"{len(bad)} of {len(judged)} answers break their schema: {problems[0]}",
            bad,
            judged=len(judged),
        )
    shown = sample(judged, key=endpoint_of, limit=len(_SCHEMA))  # one per endpoint
    return passed(f"{len(judged)} successful answers validate", shown, judged=len(judged))


def _ctype(ex: Exchange) -> str:
    return {k.lower(): v for k, v in ex.response_headers.items()}.get("content-type", "")


@check("error-schema", rule="response.error-shape")
def error_schema(ctx: CheckContext) -> Verdict:
    """Every 4xx/5xx answer of the API, whatever its content type ("not now" answers aside:
    a gateway's 429/502/503/504 is availability, judged by nothing but the transport count)."""
    bad, judged, problems = [], [], []
    for ex in ctx.obs.api_exchanges():
        if ex.status_code is None or ex.status_code < 400 or ex.status_code in TRANSIENT_STATUSES:
            continue
        body = ex.response_json()
        judged.append(ex)
        errors = schemas.validation_errors("error-response", body)
        code = body.get("error_code") if isinstance(body, dict) else None
        if body is None:
            errors = [f"HTTP {ex.status_code} with a body that is not JSON ({_ctype(ex)})"]
        elif not errors and str(code)[:3] != str(ex.status_code):
            errors = [f"error_code {code} does not start with HTTP status {ex.status_code}"]
        if errors:
            bad.append(ex)
            problems.append(errors[0])
    if not judged:
        return skipped("no error answer was seen")
    if bad:
        return failed(
            f"{len(bad)} of {len(judged)} error bodies are wrong: {problems[0]}",
            bad,
            judged=len(judged),
        )
    shown = sample(judged, key=lambda e: e.status_code)  # one per error status
    return passed(
        f"{len(judged)} error bodies validate, error_code matches the status",
        shown,
        judged=len(judged),
    )


@check("known-request", rule="request.known-answered")
def known_request(ctx: CheckContext) -> Verdict:
    """Every status, result and cancel call about a job the server acknowledged, sent with the
    run's own token: workload reads, re-reads, cancels, races, follow-up reads alike."""
    ended = _ended(ctx)
    judged, bad, expired = [], [], 0
    for ex in ctx.obs.api_exchanges():
        endpoint = endpoint_of(ex)
        if endpoint in (None, "submit") or ex.status_code is None or not ctx.obs.own(ex):
            continue
        rid = _request_id(ex)
        if rid not in ended or ex.status_code in TRANSIENT_STATUSES:
            continue
        judged.append(ex)
        if endpoint is None or ex.status_code == _SUCCESS[endpoint]:
            continue
        if ex.status_code == 404 and ctx.obs.order(ex) > ended[rid]:
            expired += 1  # a finished job may expire (retention is the server's choice)
        else:
            bad.append(ex)
    if not judged:
        return skipped("no call about an acknowledged job got an answer")
    if bad:
        first = bad[0]
        return failed(
            f"{len(bad)} of {len(judged)} calls about acknowledged jobs answered an error "
            f"(first: {endpoint_of(first)} HTTP {first.status_code})",
            bad,
            judged=len(judged),
        )
    shown = sample(judged, key=endpoint_of)
    gone = f" ({expired} 404s after the job had finished: expired)" if expired else ""
    return passed(
        f"{len(judged)} calls about acknowledged jobs answered their success status{gone}",
        shown,
        judged=len(judged),
    )


def _ended(ctx: CheckContext) -> dict[str, float]:
    """Each acknowledged job -> when it was first read finished (by order; inf: never)."""
    ended: dict[str, float] = {}
    for rid, job in ctx.obs.jobs.items():
        final = [job.final_result] if job.final_result is not None else []
        reads = [r for r in [*job.all_statuses, *job.pending_results, *final] if r.ok]
        done = [ctx.obs.order(r.exchange) for r in reads if r.phase.terminal]
        ended[rid] = float(min(done)) if done else float("inf")
    return ended


def _request_id(ex: Exchange) -> str:
    parts = ex.url.split("?", 1)[0].rstrip("/").split("/")
    return parts[-2] if len(parts) >= 2 else ""


@check("submit-fields", rule="submit.fields")
def submit_fields(ctx: CheckContext) -> Verdict:
    acks = [e for e in ctx.obs.api_exchanges("submit") if e.status_code == 200]
    if not acks:
        return skipped("no submit was accepted")
    for ex in acks:
        body = ex.response_json()
        if not isinstance(body, dict):
            return failed("a submit answer is not a JSON object", [ex])
        rid = body.get("request_id")
        for name in ("status_url", "result_url", "cancel_url"):
            url = body.get(name)
            if not isinstance(url, str):
                return failed(f"submit answer lacks {name}", [ex])
            endpoint = name.removesuffix("_url")
            if f"/{rid}/{endpoint}" not in url:
                return failed(f"{name} {url!r} does not name request {rid!r}", [ex])
    return passed(
        f"{len(acks)} submit answers carry four consistent fields",
        sample(acks),
        judged=len(acks),
    )


@check("status-words", rule="status.words")
def status_words(ctx: CheckContext) -> Verdict:
    allowed = {"status": STATUS_WORDS, "result": RESULT_WORDS}
    judged: list[tuple[str, object, Exchange]] = []  # (endpoint, word, exchange)
    for endpoint, words in allowed.items():
        for ex in ctx.obs.api_exchanges(endpoint):
            body = ex.response_json()
            if ex.status_code != 200 or not isinstance(body, dict):
                continue
            judged.append((endpoint, body.get("status"), ex))
            if body.get("status") not in words:
                return failed(f"/{endpoint} said status {body.get('status')!r}", [ex])
    if not judged:
        return skipped("no status or result answer was seen")
    shown = sample(judged, key=lambda j: (j[0], str(j[1])))
    return passed(
        f"{len(judged)} answers use documented words",
        [ex for _, _, ex in shown],
        judged=len(judged),
    )


@check("content-type-json", rule="response.content-type-json")
def content_type_json(ctx: CheckContext) -> Verdict:
    bad, judged = [], []
    for ex in ctx.obs.api_exchanges():
        if ex.status_code is None or ex.response_json() is None:
            continue
        judged.append(ex)
        ctype = {k.lower(): v for k, v in ex.response_headers.items()}.get("content-type", "")
        if "application/json" not in ctype.lower():
            bad.append(ex)
    if not judged:
        return skipped("no JSON answer was seen")
    if bad:
        return failed(
            f"{len(bad)} of {len(judged)} JSON answers are not labelled application/json", bad
        )
    shown = sample(judged, key=endpoint_of, limit=len(_SCHEMA))  # one per endpoint
    return passed(f"{len(judged)} JSON answers say application/json", shown, judged=len(judged))
