"""The case generator's labels are true: valid cases validate, invalid ones break their rule."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings

from harness import schemas
from harness.cases import (
    Case,
    draw,
    invalid_cases,
    invalid_edges,
    save_case,
    valid_cases,
    valid_edges,
)

SCHEMA = schemas.load("input")
IMAGE = "http://127.0.0.1:9/samples/landscape-16x9.jpg"


def parsed(case: Case) -> tuple[bool, Any]:
    try:
        return True, json.loads(case.payload())
    except (ValueError, UnicodeDecodeError):
        return False, None


def breaks(case: Case) -> list[str]:
    ok, body = parsed(case)
    if not ok:
        return ["malformed JSON"]
    return [e.validator for e in schemas.validator("input").iter_errors(body)]  # type: ignore[misc]


@settings(max_examples=150)
@given(valid_cases(SCHEMA, IMAGE))
def test_valid_cases_validate(case: Case) -> None:
    ok, body = parsed(case)
    assert ok
    assert case.valid
    assert schemas.validation_errors("input", body) == []
    assert body["image_url"] == IMAGE


@settings(max_examples=60)
@given(valid_cases(SCHEMA, IMAGE, extras=True))
def test_valid_cases_with_unknown_fields_validate(case: Case) -> None:
    assert case.extra
    assert schemas.validation_errors("input", parsed(case)[1]) == []


@settings(max_examples=200)
@given(invalid_cases(SCHEMA, IMAGE))
def test_invalid_cases_break_exactly_their_rule(case: Case) -> None:
    assert not case.valid
    broken = breaks(case)
    assert broken, case
    if case.rule in ("minimum", "maximum", "enum", "required"):
        assert broken == [case.rule]
    if case.rule == "type":
        assert "type" in broken


def test_edges_cover_every_bound_and_enum_value() -> None:
    bodies = [c.body for c in valid_edges(SCHEMA, IMAGE)]
    steps = {b.get("num_inference_steps") for b in bodies}
    assert {2, 50} <= steps
    assert any(isinstance(s, float) and s == 8.0 for s in steps)
    assert {b.get("resolution") for b in bodies} >= {"480p", "720p"}
    assert {b.get("output_format") for b in bodies} >= {"jpeg", "png", "webp"}
    assert any(isinstance(b.get("seed"), int) and b["seed"] > 2**62 for b in bodies)
    assert any(not b["prompt"].isascii() for b in bodies)
    assert any(c.extra for c in valid_edges(SCHEMA, IMAGE))


def test_invalid_edges_include_the_traps() -> None:
    edges = invalid_edges(SCHEMA, IMAGE)
    labels = {c.rule for c in edges}
    assert labels == {"required", "type", "minimum", "maximum", "enum", "object", "json"}
    bools = [c for c in edges if c.field == "num_inference_steps" and c.body[c.field] is True]
    assert bools
    assert breaks(bools[0]) == ["type"]
    for case in edges:
        assert breaks(case), case.label


def test_draw_is_reproducible_and_cases_save(tmp_path: Any) -> None:
    first = draw(invalid_cases(SCHEMA, IMAGE), 8, random_seed=5)
    assert first == draw(invalid_cases(SCHEMA, IMAGE), 8, random_seed=5)
    assert len(first) == 8
    path = save_case(tmp_path / "cases", first[0], "note")
    assert json.loads(path.read_text())["label"] == first[0].label
