"""schemas/ is the single source of truth: well-formed, resolvable, packaged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource

from harness import schemas

ROOT = Path(__file__).resolve().parents[2]
SEED_INPUT_PROPERTIES = {
    "image_url",
    "prompt",
    "num_inference_steps",
    "enable_prompt_expansion",
    "resolution",
    "seed",
    "output_format",
}


@pytest.mark.parametrize("name", schemas.SCHEMA_NAMES)
def test_every_schema_is_valid_2020_12_with_stable_id(name: str) -> None:
    schema = schemas.load(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/{name}.schema.json")


def test_input_schema_keeps_the_seed() -> None:
    schema = schemas.load("input")
    assert set(schema["properties"]) == SEED_INPUT_PROPERTIES
    assert schema["required"] == ["image_url", "prompt"]
    steps = schema["properties"]["num_inference_steps"]
    assert (steps["minimum"], steps["maximum"], steps["default"]) == (2, 50, 8)
    assert schema["properties"]["resolution"]["enum"] == ["480p", "720p"]
    assert schema["properties"]["output_format"]["enum"] == ["jpeg", "png", "webp"]
    assert "additionalProperties" not in schema  # the seed allows unknown fields


def test_integer_traps() -> None:
    base = {"image_url": "u", "prompt": "p"}
    assert schemas.validation_errors("input", {**base, "num_inference_steps": 8.0}) == []
    assert schemas.validation_errors("input", {**base, "num_inference_steps": True})
    assert schemas.validation_errors("input", {**base, "extra": [1, 2]}) == []


def _formats(node: object) -> set[str]:
    if isinstance(node, dict):
        own = {node["format"]} if isinstance(node.get("format"), str) else set()
        return own.union(*(_formats(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_formats(v) for v in node))
    return set()


def test_every_format_the_schemas_use_is_enforced() -> None:
    """A format without its checker's package installed is silently accepted by jsonschema:
    the dependencies must bring one for each format used (today only "uri")."""
    used = set().union(*(_formats(schemas.load(name)) for name in schemas.SCHEMA_NAMES))
    assert used, "the schemas use at least one format"
    assert used <= set(Draft202012Validator.FORMAT_CHECKER.checkers)
    checker = Draft202012Validator(
        {"format": "uri"}, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    assert not checker.is_valid("not a uri")
    assert checker.is_valid("https://example.com/a.png")


def test_openapi_document_is_valid_and_every_ref_resolves() -> None:
    doc = schemas.openapi_document()
    folder = ROOT / "schemas"
    base_uri = folder.as_uri() + "/openapi.json"
    validate_openapi(doc, base_uri=base_uri)
    registry: Registry = Registry()
    for path in folder.glob("*.schema.json"):
        contents = json.loads(path.read_text())
        registry = registry.with_resource(path.as_uri(), Resource.from_contents(contents))
    refs: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    for name in schemas.SCHEMA_NAMES:
        walk(schemas.load(name))
    assert len(refs) >= 8
    registry = registry.with_resource(base_uri, Resource.opaque(doc))
    resolver = registry.resolver(base_uri=base_uri)
    for ref in refs:
        resolved = resolver.lookup(ref).contents
        assert isinstance(resolved, dict)
        if ref.startswith("#/"):  # a shared part of the document (e.g. an error response)
            assert "content" in resolved or "$id" in resolved, ref
        else:
            assert "$id" in resolved


@pytest.mark.slow
def test_installed_wheel_finds_its_schemas(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "harness/_schemas/input.schema.json" in names
    assert "harness/_schemas/rules.json" in names
    assert not any(name.startswith("schemas/") for name in names)
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    probe = (
        "import harness.schemas as s, pathlib;"
        "print(s.schema_dir());"
        "print(s.load('input')['properties']['num_inference_steps']['maximum']);"
        "import harness.rules as r; print(r.rule('tenant.isolation').level)"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(target)
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    ).stdout.split()
    assert out[0].startswith(str(target))
    assert out[0].endswith("_schemas")
    assert out[1] == "50"
    assert out[2] == "MUST"  # the rules table travels in the wheel too
