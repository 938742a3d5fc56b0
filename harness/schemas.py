"""Load the JSON Schemas of `schemas/` (and the rules table beside them), the single source of
truth, as package data.

An installed wheel carries them as `harness/_schemas` (see pyproject's force-include); a source
checkout (editable install, tests) reads the repository's `schemas/` folder directly. There is
no second copy.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = [
    "SCHEMA_NAMES",
    "load",
    "openapi_document",
    "read_json",
    "registry",
    "schema_dir",
    "validation_errors",
    "validator",
]

SCHEMA_NAMES = (
    "input",
    "output",
    "submit-response",
    "status-response",
    "result-response",
    "cancel-response",
    "error-response",
)


def schema_dir() -> Traversable:
    """The folder holding the schema files, wherever this installation keeps it."""
    packaged = resources.files("harness") / "_schemas"
    if packaged.is_dir():
        return packaged
    source = Path(__file__).resolve().parent.parent / "schemas"
    if source.is_dir():
        return source
    raise FileNotFoundError("schemas not found: neither harness/_schemas nor ./schemas exists")


def read_json(filename: str) -> dict[str, Any]:
    """Any JSON document of the schemas folder by file name (e.g. `rules.json`), freshly read."""
    data: dict[str, Any] = json.loads((schema_dir() / filename).read_text(encoding="utf-8"))
    return data


@cache
def load(name: str) -> dict[str, Any]:
    """One schema by short name (`input`, `status-response`, ...)."""
    if name not in SCHEMA_NAMES:
        raise KeyError(f"unknown schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    return read_json(f"{name}.schema.json")


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 document that references the schema files."""
    return read_json("openapi.json")


@lru_cache(maxsize=1)
def registry() -> Registry:
    """Every schema by its `$id`, and by file name relative to it, for `$ref` resolution."""
    resources_: list[tuple[str, Resource[Any]]] = []
    for name in SCHEMA_NAMES:
        schema = load(name)
        resource = DRAFT202012.create_resource(schema)
        resources_.append((schema["$id"], resource))
    return Registry().with_resources(resources_)


@cache
def validator(name: str) -> Draft202012Validator:
    """A 2020-12 validator for one schema, with format checking (`uri`) switched on."""
    return Draft202012Validator(
        load(name),
        registry=registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def validation_errors(name: str, instance: Any) -> list[str]:
    """Human-readable schema errors for `instance` ([] when it validates)."""
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    return [f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}" for e in errors]
