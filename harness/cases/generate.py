"""Hypothesis strategies built from the input schema's keywords (no hypothesis-jsonschema).

`valid_cases` draws bodies the schema accepts; `invalid_cases` draws a valid body and breaks
exactly one rule, labelled. Both start from the deterministic edges, so every bound and enum
value is tried first.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from harness.cases.case import Case
from harness.cases.edges import HUGE_SEED, base_body, invalid_edges, valid_edges
from harness.cases.keywords import Prop, props_of, required_of

__all__ = ["invalid_cases", "valid_body", "valid_cases", "value_of"]

_JSON_LEAF = st.none() | st.booleans() | st.integers() | st.text(max_size=20)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def value_of(prop: Prop, image_url: str) -> st.SearchStrategy[Any]:
    """Valid values of one property."""
    if prop.name == "image_url":
        return st.just(image_url)  # a real, fetchable image, so accepted jobs succeed
    if prop.enum:
        return st.sampled_from(prop.enum)
    if prop.type == "integer":
        if prop.minimum is None and prop.maximum is None:
            return st.integers(-(2**31), 2**64) | st.sampled_from([0, HUGE_SEED, 2**64])
        ints = st.integers(prop.minimum, prop.maximum)
        return ints | ints.map(float)  # 8.0 is a valid integer in JSON Schema
    if prop.type == "number":
        return st.floats(prop.minimum, prop.maximum, allow_nan=False, allow_infinity=False)
    if prop.type == "boolean":
        return st.booleans()
    return st.text(max_size=80)


def valid_body(schema: dict[str, Any], image_url: str) -> st.SearchStrategy[dict[str, Any]]:
    required = set(required_of(schema))
    props = props_of(schema)
    return st.fixed_dictionaries(
        {p.name: value_of(p, image_url) for p in props if p.name in required},
        optional={p.name: value_of(p, image_url) for p in props if p.name not in required},
    )


def valid_cases(
    schema: dict[str, Any], image_url: str, *, extras: bool = False
) -> st.SearchStrategy[Case]:
    """Valid bodies; with `extras`, each also carries unknown fields (allowed by the schema)."""
    known = {p.name for p in props_of(schema)}
    if extras:
        unknown = st.dictionaries(
            st.text(min_size=1, max_size=12).filter(lambda k: k not in known),
            _JSON,
            min_size=1,
            max_size=3,
        )
        generated = st.builds(
            lambda b, x: Case(
                "generated valid + unknown fields", True, body={**x, **b}, extra=True
            ),
            valid_body(schema, image_url),
            unknown,
        )
        edges = [c for c in valid_edges(schema, image_url) if c.extra]
    else:
        generated = valid_body(schema, image_url).map(
            lambda b: Case("generated valid", True, body=b)
        )
        edges = [c for c in valid_edges(schema, image_url) if not c.extra]
    return st.sampled_from(edges) | generated


def _wrong_value(prop: Prop) -> st.SearchStrategy[Any]:
    """Values of a JSON type the property does not accept."""
    choices: list[st.SearchStrategy[Any]] = [
        st.none(),
        st.lists(_JSON_LEAF, max_size=2),
        st.dictionaries(st.text(max_size=4), _JSON_LEAF, max_size=2),
    ]
    if prop.type != "boolean":
        choices.append(st.booleans())  # a JSON bool is not a number, nor a string
    if prop.type != "string":
        choices.append(st.text(max_size=10))
    if prop.type in ("string", "boolean"):
        choices.append(st.integers())
    if prop.type != "number":
        # non-integral floats: not an integer (8.0 would be)
        choices.append(
            st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())
        )
    return st.one_of(choices)


@st.composite
def _broken(draw: st.DrawFn, schema: dict[str, Any], image_url: str) -> Case:
    body = draw(valid_body(schema, image_url))
    props = props_of(schema)
    kinds = ["type", "required"]
    if any(p.enum for p in props):
        kinds.append("enum")
    if any(p.minimum is not None or p.maximum is not None for p in props):
        kinds.append("range")
    kind = draw(st.sampled_from(kinds))
    if kind == "required":
        name = draw(st.sampled_from(required_of(schema)))
        del body[name]
        return Case(f"missing required {name}", False, "required", name, body)
    if kind == "enum":
        prop = draw(st.sampled_from([p for p in props if p.enum]))
        value = draw(st.text(max_size=12).filter(lambda v: v not in prop.enum))
        body[prop.name] = value
        return Case(f"{prop.name}: {value!r} outside enum", False, "enum", prop.name, body)
    if kind == "range":
        prop = draw(
            st.sampled_from([p for p in props if p.minimum is not None or p.maximum is not None])
        )
        sides = []
        if prop.minimum is not None:
            sides.append(("minimum", st.integers(max_value=prop.minimum - 1)))
        if prop.maximum is not None:
            sides.append(("maximum", st.integers(min_value=prop.maximum + 1)))
        rule, numbers = draw(st.sampled_from(sides))
        number = draw(numbers)
        body[prop.name] = number
        return Case(f"{prop.name}: {rule} broken ({number})", False, rule, prop.name, body)
    prop = draw(st.sampled_from(props))
    value = draw(_wrong_value(prop))
    body[prop.name] = value
    return Case(f"{prop.name}: wrong type {value!r}", False, "type", prop.name, body)


def invalid_cases(schema: dict[str, Any], image_url: str) -> st.SearchStrategy[Case]:
    """Bodies that break exactly one rule of the schema, each labelled with it."""
    if not base_body(schema, image_url):
        raise ValueError("schema has no required fields to build a base body from")
    return st.sampled_from(invalid_edges(schema, image_url)) | _broken(schema, image_url)
