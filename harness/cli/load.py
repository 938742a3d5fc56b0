"""`chronoedit-harness load`: parse the options into `LoadSettings`, run, write, map exit codes.

Never imports Locust: the scenarios run in a subprocess (Locust monkey-patches with gevent).
Ctrl-C stops the run gracefully (queued jobs cancelled), still writes the report, exits 130.
Exit codes: 0 ok, 1 an SLO failed, 3 an SLO inconclusive (none failed; see --inconclusive),
2 usage or connection, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from harness.cli.options import add_target_options, writable_dir, writable_file
from harness.load.run.settings import LoadSettings, add_argument, flag, option_specs
from harness.secrets import TOKEN_ENV

__all__ = ["register", "run", "settings_from_args"]

EXIT_INTERRUPTED = 130


def register(sub: Any, *, name: str, help: str) -> None:
    p = sub.add_parser(name, help=help, description=help)
    add_target_options(
        p, workers=LoadSettings.emulator_workers, time_per_step=LoadSettings.emulator_time_per_step
    )
    group = p.add_argument_group("load")
    for field_name, spec, default in option_specs():
        if spec.cli:
            add_argument(group, field_name, spec, default, flag(field_name))
    p.set_defaults(handler=run)


def settings_from_args(args: argparse.Namespace) -> LoadSettings:
    """The parsed options as settings (UsageError on the first bad value)."""
    given: dict[str, Any] = {}
    for name, spec, _ in option_specs():
        value = getattr(args, name, None)
        if value is not None and name != "version":
            given[name] = tuple(value) if spec.repeat else value
    return LoadSettings(**given)


def run(args: argparse.Namespace) -> int:
    from harness.load.run.execute import check_target, run_load
    from harness.reports.load_writers import write_reports

    settings = settings_from_args(args)
    if settings.worker:  # serve a master elsewhere: it holds the settings, budget and report
        from harness.load.run.runner import serve_worker

        token = args.token or os.environ.get(TOKEN_ENV)  # handed on in the environment only
        return serve_worker(
            settings.master_host, settings.master_port, token,
            lambda line: print(line, file=sys.stderr, flush=True),
        )  # fmt: skip
    check_target(settings)
    for name, path in settings.outputs():  # fail before spending: every output writable
        writable_file(path, name)
    if settings.locust_csv:
        writable_dir(Path(settings.locust_csv).resolve().parent, "--locust-csv")
    report = run_load(settings, args.token)
    write_reports(report, settings)
    if report.interrupted:
        print(
            f"interrupted: stopped early, queued jobs cancelled; report written to "
            f"{settings.report}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    from harness.load.run.judging import exit_code

    return exit_code((v.verdict for v in report.slos), settings.inconclusive)
