"""The JSON Schema of the load report, derived from the typed model (`report_model`).

`schemas/load-report.schema.json` is this function's output, committed so users' tooling can
rely on it without running the harness; a test keeps the two equal. Regenerate it with
`python -m harness.load.run.report_schema > schemas/load-report.schema.json` after changing
the model, and bump `REPORT_VERSION` when a change is not backwards compatible.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

from harness.load.run.report_model import REPORT_SCHEMA, REPORT_VERSION, LoadReport

__all__ = ["SCHEMA_ID", "report_schema"]

SCHEMA_ID = f"https://chronoedit-harness.example/schemas/{REPORT_SCHEMA}"


# Serialised by their own `to_dict` (their shape is their module's): objects, not pinned here.
_OWN_SHAPE = frozenset({"JobRecord", "JobComparison"})


def _type(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [_type(arg, defs) for arg in typing.get_args(hint)]
        return {"anyOf": options}
    if origin in (list, tuple):
        return {"type": "array", "items": _type(typing.get_args(hint)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type(typing.get_args(hint)[1], defs)}
    simple = {type(None): "null", bool: "boolean", int: "integer", float: "number", str: "string"}
    if hint in simple:
        # JSON has no infinity: a non-finite float is written as null
        return {"type": ["number", "null"]} if hint is float else {"type": simple[hint]}
    if hint is Any:
        return {}
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        _define(hint, defs)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    raise TypeError(f"no JSON Schema for {hint!r}")


def _define(cls: type, defs: dict[str, Any]) -> None:
    name = cls.__name__
    if name in defs:
        return
    if name in _OWN_SHAPE:
        # its own serialisation (a job record, a comparison): an object, shape not pinned here
        defs[name] = {"type": "object", "description": (cls.__doc__ or name).split("\n")[0]}
        return
    defs[name] = {}  # placeholder against recursion
    hints = typing.get_type_hints(cls)
    fields = dataclasses.fields(cls)
    defs[name] = {
        "type": "object",
        "description": (cls.__doc__ or name).split("\n")[0],
        "required": [f.name for f in fields],
        "additionalProperties": False,
        "properties": {f.name: _type(hints[f.name], defs) for f in fields},
    }


def report_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    _define(LoadReport, defs)
    root = defs.pop("LoadReport")
    root["properties"]["version"] = {"const": REPORT_VERSION}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "LoadReport",
        "description": f"The JSON report of `chronoedit-harness load`, version {REPORT_VERSION}. "
        "Durations in seconds, rates in jobs per second, times as epoch seconds.",
        **{k: v for k, v in root.items() if k != "description"},
        "$defs": dict(sorted(defs.items())),
    }


if __name__ == "__main__":
    print(json.dumps(report_schema(), indent=1))
