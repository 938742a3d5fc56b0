"""Run the real `chronoedit-harness` in a child process and measure what it cost.

The token reaches the child only through its environment (never its argv). Peak memory is the
child's own maximum resident set (`os.wait4`), wall time is measured around it, and a child
that outlives its limit is killed and reported, so a regression fails the test instead of
hanging the suite.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CliRun", "run_cli"]


@dataclass(frozen=True)
class CliRun:
    code: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float
    killed: bool = False

    def outputs(self) -> str:
        return self.stdout + self.stderr


def _wait(pid: int, limit: float) -> tuple[int, float, bool]:
    """(exit code, peak RSS in MB, killed) of child `pid`, killed after `limit` seconds."""
    deadline = time.monotonic() + limit
    killed = False
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024, killed
        if time.monotonic() > deadline and not killed:
            os.kill(pid, signal.SIGKILL)
            killed = True
        time.sleep(0.02)  # polling a child's exit, not waiting out a race


def run_cli(args: list[str], token: str, *, limit: float, cwd: Path) -> CliRun:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOMFY_")}
    env["RUNCOMFY_API_TOKEN"] = token
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from harness.cli import run; run()", *args],
            stdout=out,
            stderr=err,
            env=env,
            cwd=cwd,
        )
        code, peak, killed = _wait(proc.pid, limit)
        proc.returncode = code  # reaped by wait4: tell Popen so it does not wait again
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return CliRun(
            code,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            seconds,
            peak,
            killed,
        )
