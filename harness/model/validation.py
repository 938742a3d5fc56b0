"""Submit-body validation against the input schema (harness.schemas), bent by input faults."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonschema import ValidationError

from harness.model.faults import FaultSet
from harness.schemas import load, validator

__all__ = ["Validated", "validate_submit"]


@dataclass(frozen=True)
class Validated:
    body: dict[str, Any] | None  # the input, when accepted
    detail: list[dict[str, Any]]  # FastAPI-style problems, when rejected


def _integer_fields() -> frozenset[str]:
    props: dict[str, Any] = load("input")["properties"]
    return frozenset(k for k, v in props.items() if v.get("type") == "integer")


def _tolerated(err: ValidationError, faults: FaultSet) -> bool:
    """True when an active fault makes the server accept what the schema rejects."""
    kind = err.validator
    if kind in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return "accept_out_of_range" in faults
    if kind == "enum":
        return "accept_bad_enum" in faults
    if kind == "type" and isinstance(err.instance, bool) and err.validator_value == "integer":
        return "accept_bool_as_integer" in faults
    return False


def _problem(loc: list[Any], msg: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", *loc], "msg": msg, "type": kind}


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON (RFC 8259 has no NaN or Infinity)")


def validate_submit(raw: bytes, faults: FaultSet) -> Validated:
    try:
        body = json.loads(raw, parse_constant=_not_json) if raw.strip() else None
    except (ValueError, UnicodeDecodeError) as exc:
        return Validated(None, [_problem([], f"malformed JSON: {exc}", "json_invalid")])
    if not isinstance(body, dict):
        return Validated(None, [_problem([], "body must be a JSON object", "object_type")])
    problems = []
    for err in validator("input").iter_errors(body):
        if _tolerated(err, faults):
            continue
        path = list(err.absolute_path)
        if err.validator == "required":
            missing = next((f for f in err.validator_value if f not in body), None)
            path = [missing] if missing is not None else path
            problems.append(_problem(path, err.message, "missing"))
        else:
            problems.append(_problem(path, err.message, f"{err.validator}_error"))
    if "reject_integral_float" in faults:
        for name in sorted(_integer_fields() & body.keys()):
            if isinstance(body[name], float):
                problems.append(_problem([name], f"{body[name]!r} is not an int", "int_type"))
    return Validated(None if problems else body, problems)
