"""What a run talks to: a real server at `--base-url`, or the embedded emulator.

Nothing downstream may assume it is talking to our own emulator: commands receive a `Target`
and only `Target.embedded` (or a ground-truth URL) tells them so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import IO

from harness import schemas
from harness.errors import HarnessError, UsageError
from harness.model.config import TOKENS_ENV
from harness.secrets import Token
from harness.urls import checked_base_url, is_loopback

__all__ = [
    "EmbeddedOptions",
    "Target",
    "default_public_image_url",
    "emulator_process",
    "is_loopback",
    "open_target",
]

GROUND_TRUTH_PATH = "/_emulator/jobs"


def default_public_image_url() -> str:
    """The seed's public example image: the input schema's own default for `image_url`."""
    url: str = schemas.load("input")["properties"]["image_url"]["default"]
    return url


@dataclass(frozen=True)
class Target:
    base_url: str
    token: Token | None
    second_token: Token | None
    input_image_url: str
    embedded: bool = False

    @property
    def loopback(self) -> bool:
        return is_loopback(self.base_url)

    @property
    def ground_truth_url(self) -> str | None:
        """Emulator-only: each job's true submit/start/finish times."""
        return self.base_url + GROUND_TRUTH_PATH if self.embedded else None


@dataclass(frozen=True)
class EmbeddedOptions:
    """How to start the embedded emulator when no `--base-url` is given."""

    workers: int = 4
    time_per_step: float = 0.02
    seed: int = 0
    faults: Sequence[str] = field(default_factory=tuple)
    retention: float = 3600.0
    # In its own process (`python -m harness.emulator`), so it shares no GIL with the caller
    # (a load generator); else on a thread of this process.
    own_process: bool = False


@contextmanager
def open_target(
    base_url: str | None = None,
    token: str | Token | None = None,
    second_token: str | Token | None = None,
    input_image_url: str | None = None,
    embedded: EmbeddedOptions | None = None,
    *,
    require_token: bool = True,
) -> Iterator[Target]:
    """Yield the target; an embedded emulator lives exactly as long as the `with` block."""
    if base_url is not None:
        url = checked_base_url(base_url)
        resolved = Token.from_env_or(token)
        if resolved is None and require_token:
            raise UsageError("no token: pass --token or set RUNCOMFY_API_TOKEN")
        second = Token.from_env_or(second_token, env="RUNCOMFY_API_TOKEN_2")
        yield Target(url, resolved, second, input_image_url or default_public_image_url())
        return
    options = embedded or EmbeddedOptions()
    launch = _embedded_process if options.own_process else _embedded
    yield from launch(options, token, second_token, input_image_url)


def _tokens(token: str | Token | None, second_token: str | Token | None) -> tuple[str, ...]:
    return tuple(str(t.reveal() if isinstance(t, Token) else t) for t in (token, second_token) if t)


def _embedded_process(
    options: EmbeddedOptions,
    token: str | Token | None,
    second_token: str | Token | None,
    input_image_url: str | None,
) -> Iterator[Target]:
    """`emulator_process` behind the same `Target` the in-process emulator yields."""
    from harness.model import DEFAULT_TOKENS, FaultSet, sample_url

    FaultSet.parse(options.faults, seed=options.seed)  # refuse a bad fault before starting
    tokens = _tokens(token, second_token) or DEFAULT_TOKENS
    with emulator_process(options, tokens) as url:
        first, *rest = tokens
        yield Target(url, Token(first), Token(rest[0]) if rest else None,
                     input_image_url or sample_url(url), embedded=True)  # fmt: skip


def _embedded(
    options: EmbeddedOptions,
    token: str | Token | None,
    second_token: str | Token | None,
    input_image_url: str | None,
) -> Iterator[Target]:
    # Imported here: a run against a real server never loads the emulator (or uvicorn).
    from harness.emulator import EmulatorServer
    from harness.model import DEFAULT_TOKENS, FaultSet, ModelConfig, ServiceTimes

    tokens = _tokens(token, second_token)
    try:
        config = ModelConfig(
            tokens=tokens or DEFAULT_TOKENS,
            workers=options.workers,
            times=ServiceTimes(time_per_step=options.time_per_step),
            seed=options.seed,
            retention=options.retention,
        )
    except ValueError as exc:
        raise UsageError(f"embedded emulator: {exc}") from None
    faults = FaultSet.parse(options.faults, seed=options.seed)
    with EmulatorServer(config, faults) as server:
        first, *rest = config.tokens
        yield Target(
            server.base_url,
            Token(first),
            Token(rest[0]) if rest else None,
            input_image_url or server.sample_url(),
            embedded=True,
        )


@contextmanager
def emulator_process(options: EmbeddedOptions, tokens: Sequence[str | Token]) -> Iterator[str]:
    """`python -m harness.emulator` on a free loopback port, in its own session (the terminal's
    Ctrl-C reaches only us); yields its base URL and stops it with the block.

    The tokens travel in its environment, never on its command line (`ps` shows every user a
    process's argv); the caller's own API tokens are not passed down at all."""
    cmd = [
        sys.executable, "-m", "harness.emulator", "--port", "0",
        "--workers", str(options.workers), "--time-per-step", repr(options.time_per_step),
        "--seed", str(options.seed), "--retention", repr(options.retention),
    ]  # fmt: skip
    for fault in options.faults:
        cmd += ["--fault", fault]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOMFY_API_TOKEN")}
    env[TOKENS_ENV] = ",".join(t.reveal() if isinstance(t, Token) else t for t in tokens)
    with tempfile.TemporaryFile("w+") as errors:  # a file, not a pipe: it never fills up
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=errors, text=True, env=env, start_new_session=True
        )
        try:
            yield _listening(proc, errors)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()


def _listening(proc: subprocess.Popen[str], errors: IO[str]) -> str:
    """The base URL from the child's first line, or why it did not start."""
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if line.startswith("listening on "):
        return line.removeprefix("listening on ")
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)
    errors.seek(0)
    why = errors.read().strip().splitlines()
    raise HarnessError(f"emulator did not start: {why[-1] if why else line!r}")
