"""Command-line options shared by the commands, each declared once, and the validators that
refuse what cannot work before the first job is created (fail before spending).

Plain validators, for values known after parsing (each raises a one-line `UsageError`):
- `writable_file(path, flag)`: create the parent folders, prove the file can be written;
- `writable_outputs((flag, path), ...)`: `writable_file` for each path given (None skipped);
- `writable_dir(path, flag)`: the folder exists (or can be created) and takes files;
- `require_positive(seconds, flag)`: a finite duration > 0 (e.g. one parsed from "30s");
- `require_faults(specs, flag)`: known `NAME[=VALUE]` faults, the known ones listed otherwise.
argparse `type=` functions, so a bad value is refused while parsing (exit 2, one line):
`positive_seconds` (`--poll-interval 0` would busy-loop the server), `non_negative_seconds`,
`non_negative_int`, `at_least_one`, `fraction`, `port`, `fault_spec`.
Declarations shared by the commands: `add_defaulted` (any option whose --help states its default
from the value itself), `add_seed`, `add_quantile`, the target and emulator options, the
client's poll interval, job timeout, request timeout and job budget.
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeAlias

from harness.client.bounds import DEFAULT_BOUNDS, Bounds
from harness.errors import UsageError
from harness.target import EmbeddedOptions

__all__ = [
    "add_defaulted",
    "add_job_timeout",
    "add_max_jobs",
    "add_poll_interval",
    "add_quantile",
    "add_request_timeout",
    "add_seed",
    "add_target_options",
    "at_least_one",
    "bounds_of",
    "embedded_options",
    "fault_spec",
    "fraction",
    "non_negative_int",
    "non_negative_seconds",
    "port",
    "positive_seconds",
    "refuse_emulator_options_remotely",
    "require_faults",
    "require_positive",
    "writable_dir",
    "writable_file",
    "writable_outputs",
]

Parser: TypeAlias = argparse.ArgumentParser | argparse._ArgumentGroup


# -- validators ----------------------------------------------------------------------------
def writable_file(path: Path | str, flag: str) -> Path:
    """`path`, once its parent folders exist and a file there can be written; else UsageError.

    An existing file is opened for appending (its content untouched); a new one is created and
    removed again, so a run refused later leaves nothing behind."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{flag} {target}: is a folder, not a file")
    _ancestors_are_folders(target, flag)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            with target.open("a"):
                pass
        else:
            with target.open("x"):
                pass
            target.unlink()
    except OSError as exc:
        raise UsageError(f"{flag} {target}: cannot be written ({_why(exc)})") from None
    return target


def writable_outputs(*outputs: tuple[str, Path | None]) -> None:
    """Each `(flag, path)` given (a path, not None) proved writable, in order."""
    for flag, path in outputs:
        if path is not None:
            writable_file(path, flag)


def writable_dir(path: Path | str, flag: str) -> Path:
    """`path` if files can be written in it: an existing folder is probed with a temporary
    file; a missing one is created only when something is written there, so its parent is
    probed instead (created as needed)."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{flag} {folder}: exists and is not a folder")
    _ancestors_are_folders(folder, flag)
    probe_in = folder if folder.exists() else folder.parent
    try:
        probe_in.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=probe_in):
            pass
    except OSError as exc:
        raise UsageError(f"{flag} {folder}: cannot be written ({_why(exc)})") from None
    return folder


def _ancestors_are_folders(path: Path, flag: str) -> None:
    """The nearest existing ancestor of `path` must be a folder (else mkdir says "File exists")."""
    for ancestor in path.parents:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise UsageError(f"{flag} {path}: {ancestor} is not a folder")
            return


def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number")
    return value


def positive_seconds(text: str) -> float:
    """argparse type: seconds, finite and > 0."""
    value = _finite(text, "a number of seconds")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a number of seconds > 0")
    return value


def require_positive(seconds: float, flag: str) -> float:
    """`seconds` if finite and > 0, else a UsageError naming `flag`."""
    try:
        return positive_seconds(repr(float(seconds)))
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def non_negative_seconds(text: str) -> float:
    """argparse type: seconds, finite and >= 0."""
    value = _finite(text, "a number of seconds")
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a number of seconds >= 0")
    return value


def fraction(text: str) -> float:
    """argparse type: a share between 0 and 1."""
    value = _finite(text, "a number")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be between 0 and 1")
    return value


def port(text: str) -> int:
    """argparse type: a TCP port, 0 meaning a free one."""
    value = non_negative_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r}: not a port (0-65535)")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be >= 0")
    return value


def fault_spec(text: str) -> str:
    """argparse type: a known `NAME[=VALUE]` fault (unknown names list the known ones)."""
    from harness.model.faults import parse_fault

    try:
        parse_fault(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def require_faults(specs: Iterable[str], flag: str) -> tuple[str, ...]:
    """The specs, each a known `NAME[=VALUE]` fault, else a UsageError naming `flag`."""
    try:
        return tuple(fault_spec(spec) for spec in specs)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"{flag}: {exc}") from None


def refuse_emulator_options_remotely(args: argparse.Namespace) -> None:
    """A fault asked of the embedded emulator means nothing against --base-url: say so rather
    than run a different test than the one asked for."""
    if getattr(args, "base_url", None) is not None and getattr(args, "emulator_fault", None):
        raise UsageError("--emulator-fault needs the embedded emulator: drop --base-url")


# -- declarations --------------------------------------------------------------------------
def add_defaulted(
    parser: Parser,
    flag: str,
    default: Any,
    help: str = "",
    *,
    type: Callable[[str], Any] | None = None,
    metavar: str | None = None,
    after: str = "",
    **more: Any,
) -> None:
    """An option whose --help shows its default from the value itself, so the two cannot
    drift: `help`, then `(default: VALUE<after>)` (`after`: a unit, or what the value means)."""
    shown = f"(default: %(default)s{after})"
    if type is not None:
        more["type"] = type
    parser.add_argument(flag, default=default, metavar=metavar,
                        help=f"{help} {shown}" if help else shown, **more)  # fmt: skip


def add_seed(parser: Parser) -> None:
    add_defaulted(parser, "--seed", 0, type=int)


def add_quantile(parser: Parser, help: str = "") -> None:
    """`--quantile`, 0.95 for p95: checked where it is used (a plan or question refuses it)."""
    add_defaulted(parser, "--quantile", 0.95, help, type=float)


def add_target_options(
    parser: argparse.ArgumentParser,
    *,
    workers: int = EmbeddedOptions.workers,
    time_per_step: float = EmbeddedOptions.time_per_step,
    second_token: bool = False,
) -> None:
    """--base-url, --token (and --second-token where a command uses it), --input-image-url,
    and the embedded emulator's knobs, with the command's own defaults shown in --help."""
    target = parser.add_argument_group("target (without --base-url: the embedded emulator)")
    target.add_argument("--base-url", help="API base URL, e.g. https://model-api.runcomfy.net")
    target.add_argument("--token", help="API token (default: $RUNCOMFY_API_TOKEN)")
    if second_token:
        target.add_argument(
            "--second-token", help="a second tenant's token (default: $RUNCOMFY_API_TOKEN_2)"
        )
    target.add_argument(
        "--input-image-url",
        help="image_url for submitted jobs (default: the emulator's sample, else the seed's)",
    )
    emu = parser.add_argument_group("embedded emulator")
    emu.add_argument(
        "--emulator-workers",
        type=at_least_one,
        default=workers,
        metavar="N",
        help="GPUs (default: %(default)s)",
    )
    emu.add_argument(
        "--emulator-time-per-step",
        type=positive_seconds,
        default=time_per_step,
        metavar="S",
        help=f"seconds per inference step (default: %(default)s; a default job takes "
        f"~{9.5 * time_per_step:.2g} s)",
    )
    emu.add_argument(
        "--emulator-fault",
        action="append",
        type=fault_spec,
        default=[],
        metavar="NAME[=V]",
        help="start the embedded emulator with a fault mode (repeatable; not with --base-url)",
    )


def at_least_one(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: must be >= 1")
    return value


def add_poll_interval(
    parser: Parser,
    *,
    default: float | None = None,
    help: str = "status poll interval in seconds (default: %(default)s)",
) -> None:
    parser.add_argument(
        "--poll-interval", type=positive_seconds, default=default, metavar="S", help=help
    )


def add_job_timeout(
    parser: Parser,
    *,
    default: float | None = None,
    help: str = "seconds a job may take before it counts as lost (default: %(default)s)",
) -> None:
    parser.add_argument(
        "--job-timeout", type=positive_seconds, default=default, metavar="S", help=help
    )


def add_max_jobs(parser: Parser, *, default: int, help: str) -> None:
    parser.add_argument(
        "--max-jobs", type=non_negative_int, default=default, metavar="N", help=help
    )


def embedded_options(args: argparse.Namespace, *, seed: int = 0) -> EmbeddedOptions:
    return EmbeddedOptions(
        workers=args.emulator_workers,
        time_per_step=args.emulator_time_per_step,
        seed=seed,
        faults=tuple(args.emulator_fault),
    )


def add_request_timeout(parser: Parser) -> None:
    """`--request-timeout`: the wall-clock limit of every call (commands using the client)."""
    parser.add_argument(
        "--request-timeout",
        type=positive_seconds,
        default=DEFAULT_BOUNDS.request_timeout,
        metavar="S",
        help="seconds any one call may take in all, retries included; a server that hangs or "
        "trickles is cut off then (default: %(default)g)",
    )


def bounds_of(args: argparse.Namespace) -> Bounds:
    """The client's bounds, from `--request-timeout`."""
    return Bounds(request_timeout=args.request_timeout)
