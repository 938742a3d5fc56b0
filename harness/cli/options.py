"""Command-line options shared by the commands that talk to a server (conform, load, job)."""

from __future__ import annotations

import argparse

from harness.client.bounds import DEFAULT_BOUNDS, Bounds
from harness.target import EmbeddedOptions

__all__ = ["add_request_timeout", "add_target_options", "bounds_of", "embedded_options"]


def add_target_options(
    parser: argparse.ArgumentParser, *, workers: int = 4, time_per_step: float = 0.02
) -> None:
    target = parser.add_argument_group("target (without --base-url: the embedded emulator)")
    target.add_argument("--base-url", help="API base URL, e.g. https://model-api.runcomfy.net")
    target.add_argument("--token", help="API token (default: $RUNCOMFY_API_TOKEN)")
    target.add_argument(
        "--second-token", help="a second tenant's token (default: $RUNCOMFY_API_TOKEN_2)"
    )
    target.add_argument(
        "--input-image-url",
        help="image_url for submitted jobs (default: the emulator's sample, else the seed's)",
    )
    emu = parser.add_argument_group("embedded emulator")
    emu.add_argument(
        "--emulator-workers", type=int, default=workers, metavar="N", help=f"GPUs ({workers})"
    )
    emu.add_argument(
        "--emulator-time-per-step",
        type=float,
        default=time_per_step,
        metavar="S",
        help=f"seconds per inference step ({time_per_step:g}: a default job takes "
        f"~{9.5 * time_per_step:.2g} s)",
    )
    emu.add_argument(
        "--emulator-fault",
        action="append",
        default=[],
        metavar="NAME[=V]",
        help="start the emulator with a fault mode (repeatable)",
    )


def embedded_options(args: argparse.Namespace, *, seed: int = 0) -> EmbeddedOptions:
    return EmbeddedOptions(
        workers=args.emulator_workers,
        time_per_step=args.emulator_time_per_step,
        seed=seed,
        faults=tuple(args.emulator_fault),
    )


def add_request_timeout(parser: argparse.ArgumentParser) -> None:
    """`--request-timeout`: the wall-clock limit of every call (commands using the client)."""
    parser.add_argument(
        "--request-timeout",
        type=float,
        default=DEFAULT_BOUNDS.request_timeout,
        metavar="S",
        help="seconds any one call may take in all, retries included; a server that hangs or "
        "trickles is cut off then (default: %(default)g)",
    )


def bounds_of(args: argparse.Namespace) -> Bounds:
    """The client's bounds from `--request-timeout`; a UsageError when it is not > 0."""
    from harness.errors import UsageError

    seconds = args.request_timeout
    if not seconds > 0:
        raise UsageError(f"--request-timeout must be > 0, got {seconds:g}")
    return Bounds(request_timeout=seconds)
