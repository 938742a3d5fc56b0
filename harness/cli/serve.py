"""`chronoedit-harness serve`: run the local emulator of the API until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from types import FrameType
from typing import Any

from harness.errors import UsageError
from harness.model import DEFAULT_TOKENS, FAULTS, FaultSet, ModelConfig, ServiceTimes

__all__ = ["config_from_args", "register", "run"]


def register(subparsers: Any, *, name: str, help: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=help + ". Prints `listening on URL` first."
    )
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000, help="0 = a free port (default 8000)")
    p.add_argument("--workers", type=int, default=4, help="GPUs serving the queue")
    p.add_argument("--time-per-step", type=float, default=1.0, help="seconds per step")
    p.add_argument(
        "--prompt-expansion",
        type=float,
        default=None,
        help="seconds of Magic Prompt (default 1.5 x time-per-step)",
    )
    p.add_argument("--cold-start", type=float, default=0.0, help="extra s on a GPU's 1st job")
    p.add_argument("--jitter", type=float, default=0.1, help="lognormal sigma of service time")
    p.add_argument("--failure-rate", type=float, default=0.0, help="random job failures")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--tokens",
        # A parent passes secrets here through the environment, never on a command line.
        default=os.environ.get("CHRONOEDIT_EMULATOR_TOKENS") or ",".join(DEFAULT_TOKENS),
        help="comma-separated bearer tokens, one tenant each "
        "(default: $CHRONOEDIT_EMULATOR_TOKENS, else the emulator's own)",
    )
    p.add_argument(
        "--retention", type=float, default=3600.0, help="seconds a finished job stays readable"
    )
    p.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="NAME[=VALUE]",
        help=f"inject a fault (repeatable): {', '.join(sorted(FAULTS))}",
    )
    p.set_defaults(handler=run)
    return p


def config_from_args(args: argparse.Namespace) -> tuple[ModelConfig, FaultSet]:
    tokens = tuple(t.strip() for t in str(args.tokens).split(",") if t.strip())
    if args.port < 0 or args.port > 65535:
        raise UsageError(f"--port {args.port}: not a port")
    if args.time_per_step < 0 or args.cold_start < 0 or args.jitter < 0:
        raise UsageError("times must be >= 0")
    try:
        config = ModelConfig(
            tokens=tokens,
            workers=args.workers,
            times=ServiceTimes(
                time_per_step=args.time_per_step,
                prompt_expansion=args.prompt_expansion,
                jitter_sigma=args.jitter,
                cold_start=args.cold_start,
            ),
            seed=args.seed,
            retention=args.retention,
            failure_rate=args.failure_rate,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return config, FaultSet.parse(args.fault, seed=args.seed)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from harness.emulator.app import build_app
    from harness.emulator.server import listen, uvicorn_server

    config, faults = config_from_args(args)
    app = build_app(config, faults)
    try:
        sock, url = listen(app, args.host, args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    print(f"listening on {url}", flush=True)
    print(
        f"workers={config.workers} faults={faults} tenants={len(config.tokens)}",
        file=sys.stderr,
        flush=True,
    )
    # uvicorn re-raises the signal it caught after a graceful shutdown: make both
    # Ctrl-C and SIGTERM end here as a clean exit.
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        uvicorn_server(app).run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    return 0
