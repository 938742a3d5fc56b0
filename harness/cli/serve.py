"""`chronoedit-harness serve`: run the local emulator of the API until Ctrl-C.

Safe by default: it listens on loopback. On any other address (reachable from other machines)
it needs tokens of your own (the defaults are published in the source), shows ground truth
only to the owner of each job, and fetches no `image_url` but its own samples and the
prefixes given with --fetch-allow.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

from harness.cli.options import (
    add_defaulted,
    add_seed,
    at_least_one,
    fault_spec,
    fraction,
    non_negative_seconds,
    port,
    positive_seconds,
)
from harness.errors import UsageError
from harness.model import DEFAULT_TOKENS, FAULTS, FaultSet, ModelConfig, ServiceTimes
from harness.model.config import TOKENS_ENV

__all__ = ["Exposure", "config_from_args", "exposure", "register", "run"]

_DEFAULTS = ModelConfig()


def register(subparsers: Any, *, name: str, help: str) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help, description=help + ". Prints `listening on URL` first."
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: %(default)s). Any non-loopback address needs "
        "tokens of your own, and turns on ground-truth auth and the fetch allow-list",
    )
    add_defaulted(p, "--port", 8000, "0 = a free port", type=port)
    add_defaulted(p, "--workers", _DEFAULTS.workers, "GPUs", type=at_least_one)
    times = _DEFAULTS.times
    add_defaulted(p, "--time-per-step", times.time_per_step, "seconds per inference step",
                  type=non_negative_seconds)  # fmt: skip
    p.add_argument(
        "--prompt-expansion",
        type=non_negative_seconds,
        default=None,
        help="seconds of Magic Prompt (default: 1.5 x time-per-step)",
    )
    add_defaulted(p, "--cold-start", times.cold_start, "extra seconds on a GPU's first job",
                  type=non_negative_seconds)  # fmt: skip
    add_defaulted(p, "--jitter", times.jitter_sigma, "lognormal sigma of service time",
                  type=non_negative_seconds)  # fmt: skip
    add_defaulted(p, "--failure-rate", _DEFAULTS.failure_rate,
                  "share of jobs that fail at random", type=fraction)  # fmt: skip
    add_seed(p)
    tokens = p.add_mutually_exclusive_group()
    tokens.add_argument(
        "--tokens",
        help="comma-separated bearer tokens, one tenant each (visible to `ps`: prefer "
        f"--tokens-file or ${TOKENS_ENV}; default on loopback: the published test tokens)",
    )
    tokens.add_argument(
        "--tokens-file", type=Path, metavar="FILE", help="tokens, comma- or line-separated"
    )
    add_defaulted(p, "--retention", _DEFAULTS.retention, "seconds a finished job stays readable",
                  type=positive_seconds)  # fmt: skip
    p.add_argument(
        "--fault",
        action="append",
        type=fault_spec,
        default=[],
        metavar="NAME[=VALUE]",
        help=f"inject a fault (repeatable): {', '.join(sorted(FAULTS))}",
    )
    p.add_argument(
        "--fetch-allow",
        action="append",
        default=None,
        metavar="URL_PREFIX",
        help="fetch only image_urls under this prefix (repeatable). Default: any URL on "
        "loopback; on another address only the emulator's own samples",
    )
    p.set_defaults(handler=run)
    return p


@dataclass(frozen=True)
class Exposure:
    """What serving on `host` allows: the tokens, ground-truth auth, the fetch allow-list."""

    tokens: tuple[str, ...]
    public: bool
    fetch_allow: tuple[str, ...] | None  # None: any URL


def _split(text: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in text.replace("\n", ",").split(",") if t.strip())


def _given_tokens(args: argparse.Namespace) -> tuple[str, ...] | None:
    """Tokens from --tokens, --tokens-file or the environment; None when none was given."""
    if args.tokens is not None:
        text = str(args.tokens)
    elif args.tokens_file is not None:
        try:
            text = Path(args.tokens_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--tokens-file {args.tokens_file}: {exc.strerror}") from None
    elif os.environ.get(TOKENS_ENV):
        text = os.environ[TOKENS_ENV]
    else:
        return None
    tokens = _split(text)
    if not tokens:
        raise UsageError("no token given: the tokens are empty")
    return tokens


def _prefix(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--fetch-allow {text!r}: not an http(s)://host[/path] prefix")
    return text


def exposure(args: argparse.Namespace) -> Exposure:
    given = _given_tokens(args)
    allow = None if args.fetch_allow is None else tuple(map(_prefix, args.fetch_allow))
    from harness.emulator.exposure import is_loopback_host

    if is_loopback_host(args.host):
        return Exposure(given or DEFAULT_TOKENS, False, allow)
    if given is None:
        raise UsageError(
            f"--host {args.host} is reachable from other machines: give tokens of your own "
            f"(--tokens-file FILE or ${TOKENS_ENV})"
        )
    published = [t for t in given if t in DEFAULT_TOKENS]
    if published:
        raise UsageError(
            f"--host {args.host}: the token(s) {published} are published in the source; "
            "choose your own"
        )
    return Exposure(given, True, allow or ())


def config_from_args(args: argparse.Namespace) -> tuple[ModelConfig, FaultSet]:
    return _config(args, exposure(args))


def _config(args: argparse.Namespace, exposed: Exposure) -> tuple[ModelConfig, FaultSet]:
    try:
        config = ModelConfig(
            tokens=exposed.tokens,
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
            truth_needs_auth=exposed.public,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    return config, FaultSet.parse(args.fault, seed=args.seed)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    from harness.emulator.app import build_app
    from harness.emulator.server import UnsafeExposure, listen, uvicorn_server

    exposed = exposure(args)
    config, faults = _config(args, exposed)
    app = build_app(config, faults, fetch_allow=exposed.fetch_allow)
    try:
        sock, url = listen(app, args.host, args.port)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    except UnsafeExposure as exc:
        raise UsageError(str(exc)) from None
    print(f"listening on {url}", flush=True)
    allow = exposed.fetch_allow
    fetch = "any URL" if allow is None else " + ".join(("own samples", *allow))
    print(
        f"workers={config.workers} faults={faults} tenants={len(config.tokens)} "
        f"ground-truth={'per tenant, token needed' if exposed.public else 'open'} "
        f"fetch={fetch}",
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
