"""Response shapes: schemas of the four endpoints and of errors, submit URLs, words, JSON type."""

from __future__ import annotations

from harness import schemas
from harness.checks.context import CheckContext
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
        if redirect:
            errors = [f"HTTP {ex.status_code}, a redirect where it answers {_SUCCESS[endpoint]}"]
        else:
            errors = schemas.validation_errors(_SCHEMA[endpoint], ex.response_json())
        if errors:
            bad.append(ex)
            problems.append(f"{endpoint}: {errors[0]}")
    if not judged:
        return skipped("no successful API answer was seen")
    if bad:
        return failed(f"{len(bad)} of {len(judged)} answers break their schema: {problems[0]}", bad)
    shown = sample(judged, key=endpoint_of, limit=len(_SCHEMA))  # one per endpoint
    return passed(f"{len(judged)} successful answers validate", shown)


@check("error-schema", rule="response.error-shape")
def error_schema(ctx: CheckContext) -> Verdict:
    bad, judged, problems = [], [], []
    for ex in ctx.obs.api_exchanges():
        if ex.status_code is None or ex.status_code < 400:
            continue
        body = ex.response_json()
        if body is None:
            continue  # not JSON at all: a SHOULD, judged by invalid-input-4xx-json
        judged.append(ex)
        errors = schemas.validation_errors("error-response", body)
        code = body.get("error_code") if isinstance(body, dict) else None
        if not errors and str(code)[:3] != str(ex.status_code):
            errors = [f"error_code {code} does not start with HTTP status {ex.status_code}"]
        if errors:
            bad.append(ex)
            problems.append(errors[0])
    if not judged:
        return skipped("no JSON error answer was seen")
    if bad:
        return failed(f"{len(bad)} of {len(judged)} error bodies are wrong: {problems[0]}", bad)
    shown = sample(judged, key=lambda e: e.status_code)  # one per error status
    return passed(f"{len(judged)} error bodies validate, error_code matches the status", shown)


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
    return passed(f"{len(acks)} submit answers carry four consistent fields", sample(acks))


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
    return passed(f"{len(judged)} answers use documented words", [ex for _, _, ex in shown])


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
    return passed(f"{len(judged)} JSON answers say application/json", shown)
