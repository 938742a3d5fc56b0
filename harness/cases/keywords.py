"""What the input schema's keywords say about one property: the small subset this model uses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["JSON_TYPES", "Prop", "props_of", "required_of"]

# One sample value per JSON type, for "wrong type" cases. A JSON bool is not a number, and an
# integral float (8.0) IS an integer in JSON Schema, so integers get a non-integral float.
JSON_TYPES: dict[str, Any] = {
    "string": "8",
    "integer": 8,
    "number": 8.5,
    "boolean": True,
    "null": None,
    "array": [8],
    "object": {"value": 8},
}


@dataclass(frozen=True)
class Prop:
    name: str
    type: str
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[Any, ...] = ()
    default: Any = None

    def accepts_type(self, json_type: str) -> bool:
        if json_type == self.type:
            return True
        return self.type == "number" and json_type == "integer"


def props_of(schema: dict[str, Any]) -> list[Prop]:
    out = []
    for name, spec in schema.get("properties", {}).items():
        out.append(
            Prop(
                name=name,
                type=str(spec.get("type", "string")),
                minimum=spec.get("minimum"),
                maximum=spec.get("maximum"),
                enum=tuple(spec.get("enum", ())),
                default=spec.get("default"),
            )
        )
    return out


def required_of(schema: dict[str, Any]) -> list[str]:
    return list(schema.get("required", []))
