"""Run the real `chronoedit-harness` in a child process and measure what it cost.

The token reaches the child only through its environment (never its argv). Peak memory is the
child's own high-water mark (`VmHWM` of its own address space, read while it runs and reported by
the child as it exits): not `ru_maxrss`, which Linux seeds at exec with the parent's high-water
mark, so a child of a big pytest process would look as big as pytest. Wall time is measured
around it, and a child
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

__all__ = ["Child", "CliRun", "run_cli"]


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


# The child writes its own VmHWM (kB) to this file as it exits (atexit runs on sys.exit too).
_LAUNCHER = """
import atexit, os
def _report():
    with open('/proc/self/status') as status, open(os.environ['HWM_FILE'], 'w') as out:
        out.write(next(l.split()[1] for l in status if l.startswith('VmHWM:')))
atexit.register(_report)
from harness.cli import run
run()
"""


def _hwm_kb(pid: int) -> float:
    """The running child's own high-water mark (0 once it has exited)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next((float(line.split()[1]) for line in status if line.startswith("VmHWM:")), 0)
    except OSError:
        return 0.0


def _wait(pid: int, limit: float, reported: Path) -> tuple[int, float, bool]:
    """(exit code, peak RSS in MB, killed) of child `pid`, killed after `limit` seconds."""
    deadline = time.monotonic() + limit
    killed = False
    peak_kb = 0.0
    while True:
        peak_kb = max(peak_kb, _hwm_kb(pid))
        done, status, _ = os.wait4(pid, os.WNOHANG)
        if done == pid:
            if reported.exists() and reported.read_text().strip():
                peak_kb = max(peak_kb, float(reported.read_text()))
            return os.waitstatus_to_exitcode(status), peak_kb / 1024, killed
        if time.monotonic() > deadline and not killed:
            os.kill(pid, signal.SIGKILL)
            killed = True
        time.sleep(0.02)  # polling a child's exit, not waiting out a race


class Child:
    """A running CLI child: signal it, then `finish` to collect what it did."""

    def __init__(self, args: list[str], token: str, cwd: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RUNCOMFY_")}
        env["RUNCOMFY_API_TOKEN"] = token
        self._out = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the child
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - closed by finish()
        self._hwm = Path(tempfile.mkdtemp()) / "hwm"
        env["HWM_FILE"] = str(self._hwm)
        self.started = time.monotonic()
        command = [sys.executable, "-c", _LAUNCHER, *args]
        self.proc = subprocess.Popen(command, stdout=self._out, stderr=self._err, env=env, cwd=cwd)

    def interrupt(self) -> None:
        """What Ctrl-C does: SIGINT to the child."""
        os.kill(self.proc.pid, signal.SIGINT)

    def finish(self, limit: float) -> CliRun:
        code, peak, killed = _wait(self.proc.pid, limit, self._hwm)
        self._hwm.unlink(missing_ok=True)
        self._hwm.parent.rmdir()
        self.proc.returncode = code  # reaped by wait4: tell Popen so it does not wait again
        seconds = time.monotonic() - self.started
        outputs = []
        for stream in (self._out, self._err):
            stream.seek(0)
            outputs.append(stream.read().decode(errors="replace"))
            stream.close()
        return CliRun(code, outputs[0], outputs[1], seconds, peak, killed)


def run_cli(args: list[str], token: str, *, limit: float, cwd: Path) -> CliRun:
    """Run the CLI to its end (killed after `limit` seconds)."""
    return Child(args, token, cwd).finish(limit)
