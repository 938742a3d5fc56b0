"""`chronoedit-harness schemas`: list the contract's JSON Schemas, or validate a JSON file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from harness import schemas
from harness.errors import UsageError

__all__ = ["register"]


def register(sub: Any, *, name: str, help: str) -> None:
    parser = sub.add_parser(name, help=help, description=help)
    parser.add_argument("schema", nargs="?", choices=schemas.SCHEMA_NAMES, help="schema to use")
    parser.add_argument(
        "file", nargs="?", type=Path, help="JSON file to validate ('-' reads stdin)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.schema is None:
        print(f"schemas in {schemas.schema_dir()}:")
        for name in schemas.SCHEMA_NAMES:
            print(f"  {name:16} {schemas.load(name)['$id']}")
        print(f"  {'openapi':16} openapi.json (OpenAPI {schemas.openapi_document()['openapi']})")
        return 0
    if args.file is None:
        print(json.dumps(schemas.load(args.schema), indent=2))
        return 0
    instance = _read_json(args.file)
    errors = schemas.validation_errors(args.schema, instance)
    for error in errors:
        print(f"{args.file}: {error}")
    if not errors:
        print(f"{args.file}: valid {args.schema}")
    return 1 if errors else 0


def _read_json(path: Path) -> Any:
    import sys

    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
        return json.loads(text)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not JSON: {exc}") from None
