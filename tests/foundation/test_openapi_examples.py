"""schemas/openapi.json serves tools well: every response carries examples that validate, and
the state-dependent schemas are written so that generators which skip `if`/`then` still get them
right (the oneOf form accepts exactly what the former if/then form accepted)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from harness import schemas

JSON = "application/json"


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return node
    target: Any = doc
    for part in ref[2:].split("/"):
        target = target[part]
    return _resolve(doc, target)


def responses() -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    """(operationId, HTTP status, schema name, media type object) for every JSON response."""
    doc = schemas.openapi_document()
    for item in doc["paths"].values():
        for op in item.values():
            for status, response in op["responses"].items():
                media = _resolve(doc, response)["content"][JSON]
                name = media["schema"]["$ref"].removesuffix(".schema.json")
                yield op["operationId"], status, name, media


RESPONSES = list(responses())


def test_every_operation_documents_its_success_and_errors() -> None:
    ops = {(op, status) for op, status, _, _ in RESPONSES}
    assert {("submit", "200"), ("status", "200"), ("result", "200"), ("cancel", "202")} <= ops
    assert {name for _, _, name, _ in RESPONSES} == {
        "submit-response",
        "status-response",
        "result-response",
        "cancel-response",
        "error-response",
    }


@pytest.mark.parametrize(
    ("op", "status", "name", "media"), RESPONSES, ids=[f"{r[0]}-{r[1]}" for r in RESPONSES]
)
def test_every_response_example_validates(
    op: str, status: str, name: str, media: dict[str, Any]
) -> None:
    examples = media.get("examples", {})
    assert examples, f"{op} {status} has no example"
    for label, example in examples.items():
        value = example["value"]
        assert schemas.validation_errors(name, value) == [], (op, status, label)
        if name == "error-response":  # error_code's first three digits are the HTTP status
            prefix = str(value["error_code"])[:3]
            assert prefix == status or (status == "5XX" and prefix.startswith("5")), label


def test_status_examples_cover_every_state() -> None:
    words = {
        example["value"]["status"]
        for op, _, name, media in RESPONSES
        if name in ("status-response", "result-response")
        for example in media["examples"].values()
    }
    assert {"in_queue", "in_progress", "completed", "cancelled", "succeeded", "failed"} <= words


def test_a_broken_example_would_be_caught() -> None:
    media = next(m for _, s, n, m in RESPONSES if n == "status-response" and s == "200")
    queued = copy.deepcopy(media["examples"]["in_queue"]["value"])
    del queued["queue_position"]
    assert schemas.validation_errors("status-response", queued)


# --- the former if/then forms, kept here only to prove the oneOf forms equivalent -------------

_BASE = "https://chronoedit-harness.example/schemas/"
OLD_STATUS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": _BASE + "old-status-response.schema.json",
    "type": "object",
    "required": ["request_id", "status"],
    "properties": {
        "request_id": {"type": "string", "minLength": 1},
        "status": {"enum": ["in_queue", "in_progress", "completed", "cancelled"]},
        "queue_position": {"type": "integer", "minimum": 0},
        "status_url": {"type": "string", "format": "uri"},
        "result_url": {"type": "string", "format": "uri"},
    },
    "if": {"properties": {"status": {"const": "in_queue"}}, "required": ["status"]},
    "then": {"required": ["queue_position"]},
}
OLD_RESULT = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": _BASE + "old-result-response.schema.json",
    "type": "object",
    "required": ["request_id", "status"],
    "properties": {
        "request_id": {"type": "string", "minLength": 1},
        "status": {"enum": ["succeeded", "failed", "in_queue", "in_progress", "cancelled"]},
        "output": {"$ref": "output.schema.json"},
        "error": True,
        "created_at": {"type": ["string", "null"]},
        "finished_at": {"type": ["string", "null"]},
    },
    "if": {"properties": {"status": {"const": "succeeded"}}, "required": ["status"]},
    "then": {"required": ["output"]},
}


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(
        schema, registry=schemas.registry(), format_checker=Draft202012Validator.FORMAT_CHECKER
    )


WORDS = ["in_queue", "in_progress", "completed", "cancelled", "succeeded", "failed", "running"]
_KEEP, _DROP = object(), object()
# Each field of a valid body is usually kept, sometimes dropped or replaced, so that bodies land
# on both sides of every boundary of the schemas (a queued job without queue_position, ...).
_CHANGES = {
    "request_id": [7, "", None],
    "status": [*WORDS, "", 1, None],
    "queue_position": [0, 3, -1, 2.0, 1.5, "2", None, True],
    "output": [{}, {"image": "https://f.example/x.png"}, {"images": "x"}, "x", None],
    "status_url": ["https://h.example/s", "not a uri", 3],
    "error": ["boom", {"message": "m"}, None],
    "created_at": ["2026-01-15T09:30:00Z", None, 5],
    "extra": [1],
}
_BASES = [
    example["value"]
    for _, _, name, media in RESPONSES
    if name in ("status-response", "result-response")
    for example in media["examples"].values()
]


def _apply(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    body = dict(base)
    for key, change in changes.items():
        if change is _DROP:
            body.pop(key, None)
        elif change is not _KEEP:
            body[key] = change
    return body


BODIES = st.one_of(
    st.builds(
        _apply,
        st.sampled_from(_BASES),
        st.fixed_dictionaries(
            {k: st.sampled_from([_KEEP, _KEEP, _KEEP, _DROP, *v]) for k, v in _CHANGES.items()}
        ),
    ),
    st.sampled_from([[], "in_queue", None, 3]),
)


@pytest.mark.parametrize(("name", "old"), [("status-response", OLD_STATUS),
                                           ("result-response", OLD_RESULT)])  # fmt: skip
@settings(max_examples=300, deadline=None, derandomize=True)
@given(body=BODIES)
def test_oneof_form_accepts_exactly_what_if_then_accepted(
    name: str, old: dict[str, Any], body: Any
) -> None:
    assert _validator(old).is_valid(body) == schemas.validator(name).is_valid(body), body


@pytest.mark.parametrize("name", ["status-response", "result-response"])
def test_each_branch_merged_with_its_parent_still_requires_request_id(name: str) -> None:
    """What a mock generator that picks one oneOf branch and merges it into the parent (and
    knows nothing of if/then) serves: a body with request_id and a valid state."""
    schema = schemas.load(name)
    assert "if" not in schema
    assert "then" not in schema
    for branch in schema["oneOf"]:
        required = set(schema["required"]) | set(branch["required"])
        assert {"request_id", "status"} <= required
        word = branch["properties"]["status"]
        body: dict[str, Any] = {
            "request_id": "r-1",
            "status": word.get("const", word.get("enum", [""])[0]),
        }
        if "queue_position" in required:
            body["queue_position"] = 0
        if "output" in required:
            body["output"] = {"image": "https://f.example/x.png"}
        assert schemas.validation_errors(name, body) == [], (branch["title"], body)
