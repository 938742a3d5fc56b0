"""ARCHITECTURE.md's import rules, enforced: a layer imports only the layers below it.

Reads every module's imports with `ast` (nothing is imported), so a violation is caught even
in code no test runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "harness"

FOUNDATION = frozenset({"errors", "secrets", "evidence", "clock", "schemas", "urls", "rules"})
ALLOWED: dict[str, frozenset[str]] = {
    **dict.fromkeys(FOUNDATION, FOUNDATION),
    "__init__": FOUNDATION | {"client"},
    "client": FOUNDATION,
    "model": FOUNDATION,
    "emulator": FOUNDATION | {"model"},
    "mock": FOUNDATION | {"model"},
    "target": FOUNDATION | {"emulator", "model"},
    "cases": FOUNDATION,
    "checks": FOUNDATION | {"client", "cases"},
    "conform": FOUNDATION | {"client", "cases", "checks", "target"},
    "load": FOUNDATION | {"load.measure"},  # the package re-exports the pure measurement
    "load.measure": FOUNDATION | {"client"},
    "load.run": FOUNDATION | {"client", "model", "target", "load.measure"},
    # swarm judges load jobs with the check catalog's own rule functions
    "load.swarm": FOUNDATION | {"client", "cases", "checks", "target", "load.measure", "load.run"},
    "reports": FOUNDATION | {"checks", "conform", "load", "load.measure", "load.run"},
    "pytest_plugin": FOUNDATION
    | {"client", "cases", "checks", "conform", "mock", "model", "target"},
}
# Importing these monkey-patches the interpreter (gevent) or needs it patched: only the swarm.
SWARM = {m for m in (f"harness.load.swarm.{p.stem}" for p in
         (PACKAGE / "load" / "swarm").glob("*.py")) if not m.endswith("__init__")}  # fmt: skip
GEVENT_MODULES = SWARM
LOCUST_MODULES = SWARM


def modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        dotted = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        yield dotted.removesuffix(".__init__"), path


def layer_of(module: str) -> str:
    parts = module.split(".")
    if len(parts) > 2 and parts[1] == "load":  # load's three concerns are layers of their own
        return f"load.{parts[2]}"
    return parts[1] if len(parts) > 1 else "__init__"


def imports(path: Path) -> Iterator[str]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "harness":  # `from harness import schemas`
                yield from (f"harness.{alias.name}" for alias in node.names)
            else:
                yield node.module


def test_every_layer_is_known() -> None:
    layers = {layer_of(m) for m, _ in modules()} - {"cli"}
    assert layers <= set(ALLOWED), (
        f"add new layers to ARCHITECTURE.md and here: {layers - set(ALLOWED)}"
    )


def violations(module: str, imported: list[str]) -> list[str]:
    layer = layer_of(module)
    if layer == "cli" or module.endswith("__main__"):
        return []  # entry points wire everything together
    allowed = ALLOWED[layer] | {layer}
    found = []
    for name in imported:
        top = name.split(".")[0]
        if top == "harness" and layer_of(name) not in allowed:
            found.append(f"{module} imports {name}: {layer} may not import {layer_of(name)}")
        owners = {"locust": LOCUST_MODULES, "gevent": GEVENT_MODULES,
                  "geventhttpclient": GEVENT_MODULES}.get(top)  # fmt: skip
        if owners is not None and module not in owners:
            found.append(f"{module} imports {top}: only {sorted(owners)} may")
    return found


@pytest.mark.parametrize(("module", "path"), list(modules()), ids=str)
def test_module_imports_only_lower_layers(module: str, path: Path) -> None:
    assert violations(module, list(imports(path))) == []


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("harness.client.sync", "harness.load.swarm.users"),
        ("harness.model.api", "harness.emulator.app"),
        ("harness.checks.shapes", "locust"),
        ("harness.pytest_plugin", "gevent.monkey"),
        ("harness.load.measure.metrics", "locust.env"),
        ("harness.load.measure.jobs", "harness.load.swarm.flow"),
        ("harness.load.measure.slo", "harness.load.run.report"),
        ("harness.load.run.runner", "harness.load.swarm.users"),
        ("harness.load.run.report", "gevent"),
    ],
)
def test_the_rule_catches_violations(module: str, imported: str) -> None:
    assert violations(module, [imported])
