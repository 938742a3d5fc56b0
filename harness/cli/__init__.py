"""The `chronoedit-harness` command: `main(argv) -> int`, one module per subcommand.

Each subcommand module exposes `register(subparsers)`, which adds its parser and sets
`handler=<function(args) -> int>`. Modules are imported lazily so that, for example, `conform`
never imports Locust (which monkey-patches the process with gevent).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from harness.errors import HarnessError

__all__ = ["SUBCOMMANDS", "build_parser", "main", "run"]

# name -> (module, one-line help). The module is imported only when its parser is needed.
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("harness.cli.serve", "run the local emulator of the API"),
    "conform": ("harness.cli.conform", "check a server against the API contract"),
    "load": ("harness.cli.load", "measure queue latency, polling and cancel cost under load"),
    "job": ("harness.cli.job", "submit one job, follow it to the end, print its history"),
    "schemas": ("harness.cli.schemas", "list the JSON Schemas or validate a JSON file"),
    "capacity": ("harness.cli.capacity", "find the highest rate meeting a p95 wait target"),
    "compare": ("harness.cli.compare", "compare two load reports: regressed or not"),
    "simulate": ("harness.cli.simulate", "simulate a GPU fleet: p95 queue wait, or GPUs needed"),
}

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors become one line and exit code 2, never a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise HarnessUsage(f"{self.prog}: {message}")


class HarnessUsage(HarnessError):
    pass


def _not_built(name: str) -> _Parser:
    parser = _Parser(add_help=False)
    parser.set_defaults(handler=lambda _args: _say_not_built(name))
    return parser


def _say_not_built(name: str) -> int:
    print(f"chronoedit-harness {name}: not built yet", file=sys.stderr)
    return EXIT_USAGE


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chronoedit-harness",
        description="Conformance and load-testing harness for RunComfy's Model API "
        "(nvidia/chrono-edit/lora). Without --base-url, commands run against the "
        "embedded emulator.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text, add_help=False)
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            sub.add_parser(name, help=f"{help_text} (not built yet)", parents=[_not_built(name)])
            continue
        module.register(sub, name=name, help=help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    chosen = next((a for a in args_list if a in SUBCOMMANDS), None)
    try:
        args = build_parser(only=chosen).parse_args(args_list)
        handler = getattr(args, "handler", None)
        if handler is None:
            build_parser(only="").print_help()
            return EXIT_USAGE
        code: int = handler(args)
        return code
    except HarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
