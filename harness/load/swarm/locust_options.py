"""The harness's Locust options: the run's settings (one JSON document, `--harness-settings`,
or single fields for a plain `locust -f` run, all declared once in `run.settings`), plus what
only `load`'s runner passes. Locust copies them to its workers."""

from __future__ import annotations

from typing import Any

from harness.load.run.settings import LoadSettings, add_locust_options, settings_from_locust

__all__ = ["add_options", "settings_of"]


def add_options(parser: Any) -> None:
    add_locust_options(parser)
    group = parser.add_argument_group("chronoedit-harness runner")
    group.add_argument("--harness-results", default="", help="write job records JSON here")
    group.add_argument(
        "--quit-when-done",
        action="store_true",
        help="quit once the submit window is over and every job ended (with workers: all of them)",
    )


_CACHE: dict[str, LoadSettings] = {}


def settings_of(options: Any) -> LoadSettings:
    """The process's settings (parsed once; a worker's arrive with the master's options)."""
    document = str(getattr(options, "harness_settings", "") or "")
    if document not in _CACHE:
        _CACHE[document] = settings_from_locust(options)
    return _CACHE[document]
