"""Ctrl-C, as a terminal sends it, to the CLI running in a child process: shared by the
interrupt tests of `load`, `capacity` and the distributed runs.

The child runs in its own session, so the test (not the child) owns whatever it talks to and
can read the ground truth after the child is gone.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from harness.emulator import EmulatorServer
from harness.model.config import ModelConfig, ServiceTimes

__all__ = ["CLI", "ROOT", "Interrupted", "interrupt_once_queued", "interrupt_when", "wait_for"]

ROOT = Path(__file__).resolve().parents[1]

# The CLI as a terminal would run it. A shell that starts the suite in the background
# (`pytest &`) leaves SIGINT ignored, children inherit that, and Python then never raises
# KeyboardInterrupt: the child restores Python's default handler first.
CLI = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from harness.cli import main; sys.exit(main())"
)


def wait_for(condition: Callable[[], bool], timeout: float, every: float = 0.05) -> bool:
    """Whether `condition()` held within `timeout` seconds, checked every `every` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)  # polling a condition, not papering over a race
    return False


def interrupt_when(
    argv: list[str], ready: Callable[[], bool], *, timeout: float = 60.0
) -> tuple[int, str, str]:
    """Run `chronoedit-harness argv`, send it SIGINT once `ready()`, and return its exit code,
    stdout and stderr. The child is killed if it outlives `timeout` or the test fails."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CLI, *argv], cwd=ROOT, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert wait_for(ready, timeout), "never ready to interrupt"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return proc.returncode, out, err


class Interrupted(NamedTuple):
    code: int
    out: str
    err: str
    truth: list[dict[str, Any]]  # the emulator's ground truth, read after the child is gone


def interrupt_once_queued(command: str, *options: str, queued: int = 4) -> Interrupted:
    """Run `command` against a one-GPU emulator of ~0.5 s jobs that this test owns, and send
    it Ctrl-C once `queued` jobs wait in its queue (so there is something to cancel)."""
    config = ModelConfig(workers=1, times=ServiceTimes(time_per_step=0.05, jitter_sigma=0.0))
    with EmulatorServer(config) as server:
        target = ["--base-url", server.base_url, "--token", server.token,
                  "--input-image-url", server.sample_url()]  # fmt: skip

        def waiting() -> bool:
            return sum(j["state"] == "queued" for j in server.ground_truth()) >= queued

        code, out, err = interrupt_when([command, *target, *options], waiting)
        return Interrupted(code, out, err, server.ground_truth())
