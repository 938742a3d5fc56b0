"""The deterministic edge cases: every bound, every enum value, each rule broken once.

They are always sent (invalid ones cost no job on a conformant server), and they seed the
Hypothesis strategies of `generate`, so a small `--examples` still covers every keyword.
"""

from __future__ import annotations

from typing import Any

from harness.cases.case import Case
from harness.cases.keywords import JSON_TYPES, Prop, props_of, required_of

__all__ = ["HUGE_SEED", "UNICODE_PROMPT", "base_body", "invalid_edges", "valid_edges"]

UNICODE_PROMPT = "Turn the socks into knee-high socks — 靴下を長く 🧦 «ñ»"
HUGE_SEED = 2**63 - 1
EXTRA_FIELDS: dict[str, Any] = {"x_harness_unknown": "ignored", "x_harness_meta": {"k": [1]}}


def base_body(schema: dict[str, Any], image_url: str) -> dict[str, Any]:
    """The required fields only: the run's fetchable image, and the schema's default values."""
    body: dict[str, Any] = {}
    for prop in props_of(schema):
        if prop.name in required_of(schema):
            body[prop.name] = image_url if prop.name == "image_url" else prop.default or "edit"
    return body


def _edge_value(prop: Prop, index: int) -> Any:
    """Edge `index` (1: low, 2: high, 3: integral float) of one optional property."""
    if prop.enum:
        return prop.enum[index % len(prop.enum)]  # 1, 2, 3 cover every value of enums up to 3
    if prop.type == "integer":
        if prop.minimum is None and prop.maximum is None:
            return {1: HUGE_SEED, 2: 0, 3: 0.0}[index]
        low: int = prop.minimum if prop.minimum is not None else prop.maximum or 0
        high: int = prop.maximum if prop.maximum is not None else low
        middle = prop.default if isinstance(prop.default, int) else low
        return {1: low, 2: high, 3: float(middle)}[index]
    if prop.type == "boolean":
        return index != 1
    if prop.type == "number":
        return {1: prop.minimum or 0.0, 2: prop.maximum or 1.0, 3: 1.0}[index]
    return UNICODE_PROMPT if index == 1 else "edit"


def valid_edges(schema: dict[str, Any], image_url: str) -> list[Case]:
    base = base_body(schema, image_url)
    optional = [p for p in props_of(schema) if p.name not in base]
    names = {1: "low edges", 2: "high edges", 3: "integral floats (8.0) for integers"}
    cases = [Case("required fields only", True, body=base)]
    for index, name in names.items():
        body = dict(base)
        for prop in optional:
            body[prop.name] = _edge_value(prop, index)
        for prop in props_of(schema):
            if index == 1 and prop.type == "string" and not prop.enum and prop.name != "image_url":
                body[prop.name] = UNICODE_PROMPT
        cases.append(Case(name, True, body=body))
    cases.append(Case("unknown extra fields", True, body={**base, **EXTRA_FIELDS}, extra=True))
    return cases


def _wrong_types(prop: Prop, base: dict[str, Any]) -> list[Case]:
    cases = []
    for json_type, sample in JSON_TYPES.items():
        if prop.accepts_type(json_type) or (prop.type == "integer" and json_type == "number"):
            continue
        label = f"{prop.name}: {json_type} {sample!r} for {prop.type}"
        cases.append(Case(label, False, "type", prop.name, {**base, prop.name: sample}))
    if prop.type == "integer":  # 8.5 is a number but not an integer
        label = f"{prop.name}: non-integral float 8.5"
        cases.append(Case(label, False, "type", prop.name, {**base, prop.name: 8.5}))
    return cases


def invalid_edges(schema: dict[str, Any], image_url: str) -> list[Case]:
    base = base_body(schema, image_url)
    cases: list[Case] = []
    for name in required_of(schema):
        body = {k: v for k, v in base.items() if k != name}
        cases.append(Case(f"missing required {name}", False, "required", name, body))
    for prop in props_of(schema):
        cases += _wrong_types(prop, base)
        if prop.minimum is not None:
            below = prop.minimum - 1
            label = f"{prop.name}: minimum-1 ({below})"
            cases.append(Case(label, False, "minimum", prop.name, {**base, prop.name: below}))
        if prop.maximum is not None:
            above = prop.maximum + 1
            label = f"{prop.name}: maximum+1 ({above})"
            cases.append(Case(label, False, "maximum", prop.name, {**base, prop.name: above}))
        if prop.enum:
            first = str(prop.enum[0])
            for value in {first.upper(), first + "x", ""} - set(prop.enum):
                label = f"{prop.name}: {value!r} outside enum"
                cases.append(Case(label, False, "enum", prop.name, {**base, prop.name: value}))
    others: list[Any] = [[], "text", 8, None, True]
    for other in others:
        cases.append(Case(f"body not an object: {other!r}", False, "object", None, other))
    for raw in (b'{"prompt": "x",', b"{'prompt': 'x'}", b"", b"\xff\xfe{}"):
        cases.append(Case(f"malformed JSON {raw!r}", False, "json", None, raw=raw))
    return sorted(cases, key=lambda c: c.label)
