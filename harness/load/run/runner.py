"""Start Locust headless in its own process (it monkey-patches with gevent), and the emulator
in another, so neither shares a GIL with the load generator. No Locust import here.

Both children run in their own session (process group): the terminal's Ctrl-C reaches only
this process, which then stops Locust gracefully (SIGTERM to its master: users stop, queued
jobs are cancelled, results written) and keeps the emulator up for ground truth.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError
from harness.load.measure.results import RunResults

__all__ = ["LOCUSTFILES", "STARTED", "LocustRun", "emulator_process", "run_locust"]

_ROOT = Path(__file__).resolve().parent
LOCUSTFILES = {
    "queue-latency": "harness.load.swarm.users:QueueLatencyUser",
    "polling": "harness.load.swarm.users:PollingUser",
    "cancel": "harness.load.swarm.users:CancelUser",
}
STARTED = "chronoedit-harness: load run started"  # Locust's own log line, read by the runner
_STUB = '"""Generated: one scenario\'s user class for Locust."""\nfrom {module} import {name}\n'


@contextmanager
def emulator_process(
    *, workers: int, time_per_step: float, seed: int = 0, tokens: str = "emulator-token-1"
) -> Iterator[str]:
    """`python -m harness.emulator` on a free loopback port; yields its base URL."""
    cmd = [
        sys.executable,
        "-m",
        "harness.emulator",
        "--port",
        "0",
        "--workers",
        str(workers),
        "--time-per-step",
        str(time_per_step),
        "--seed",
        str(seed),
        "--tokens",
        tokens,
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # the terminal's Ctrl-C must not kill it under our feet
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("listening on "):
            raise HarnessError(f"emulator did not start: {line!r}")
        yield line.removeprefix("listening on ")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@dataclass
class LocustRun:
    scenario: str
    host: str
    workdir: Path
    run_time: float  # seconds Locust runs: submitting plus draining
    submit_for: float
    rate: float
    users: int = 1
    processes: int = 0
    poll_policies: str = "1"
    job_timeout: float = 600.0
    max_jobs: int = 0
    seed: int = 0
    arrivals: str = "poisson"
    burst_size: int = 6
    input_image_url: str = ""
    csv_prefix: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def results_path(self) -> Path:
        return self.workdir / f"{self.scenario}-{self.seed}.json"

    def command(self) -> list[str]:
        module, name = LOCUSTFILES[self.scenario].split(":")
        stub = self.workdir / f"locustfile_{self.scenario.replace('-', '_')}.py"
        stub.write_text(_STUB.format(module=module, name=name))
        cmd = [
            sys.executable, "-m", "locust", "-f", str(stub), "--host", self.host, "--headless",
            "-u", str(self.users), "-r", str(max(1, self.users)),
            "--run-time", f"{max(1, round(self.run_time))}s", "--stop-timeout", "0",
            "--only-summary", "--loglevel", "WARNING",
            "--job-rate", str(self.rate), "--arrivals", self.arrivals,
            "--burst-size", str(self.burst_size),
            "--submit-for", str(self.submit_for), "--job-timeout", str(self.job_timeout),
            "--poll-policies", self.poll_policies, "--max-jobs", str(self.max_jobs),
            "--harness-users", str(self.users), "--harness-seed", str(self.seed),
            "--harness-results", str(self.results_path),
        ]  # fmt: skip
        if self.input_image_url:
            cmd += ["--input-image-url", self.input_image_url]
        if self.processes > 0:
            # Locust's master would bind port 5557 on every interface: keep it on loopback, on a
            # free port, so two runs (or two test suites) on one machine never collide.
            port = str(free_loopback_port())
            cmd += ["--processes", str(self.processes), "--master-bind-host", "127.0.0.1",
                    "--master-bind-port", port, "--master-port", port]  # fmt: skip
        # Quit once every job ended (distributed: once every worker told the master it is done),
        # never later than --run-time.
        cmd.append("--quit-when-done")
        if self.csv_prefix:
            cmd += ["--csv", self.csv_prefix]
        return cmd


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_locust(
    run: LocustRun, token: str | None, progress: Callable[[float], None] | None = None
) -> RunResults:
    """Run one scenario to its end and return its results (`interrupted` set on Ctrl-C).

    The first Ctrl-C stops Locust gracefully and still returns what it measured; a second one
    kills Locust's process group and re-raises. The token travels in the environment, never on
    a command line."""
    env = {**os.environ, **run.extra_env}
    env.pop("RUNCOMFY_API_TOKEN", None)
    if token:
        env["RUNCOMFY_API_TOKEN"] = token
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_ROOT.parent.parent), env.get("PYTHONPATH", "")) if p
    )
    log_path = run.workdir / f"locust-{run.scenario}-{run.seed}.log"
    interrupted = False
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            run.command(), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=run.workdir,
            start_new_session=True,  # Ctrl-C reaches us only; we stop Locust gracefully
        )  # fmt: skip
        start: float | None = None  # when Locust said its run began (imports can take seconds)
        try:
            while proc.poll() is None:
                try:
                    proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    if start is None and STARTED in log_path.read_text(errors="replace"):
                        start = time.monotonic()
                    if progress and start is not None:
                        progress(time.monotonic() - start)
        except KeyboardInterrupt:
            interrupted = True
            stop_gracefully(proc)
    return _collect(run, log_path, interrupted)


def stop_gracefully(proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """SIGTERM to Locust's master: it stops users (their cleanup cancels queued jobs), tells
    its workers to quit and writes results. A second Ctrl-C, or no exit in time: SIGKILL to
    its whole process group."""
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=timeout)
    except KeyboardInterrupt:
        _kill_group(proc)
        raise
    except subprocess.TimeoutExpired:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _collect(run: LocustRun, log_path: Path, interrupted: bool) -> RunResults:
    """The results Locust wrote (a distributed run's master gathered its workers' records).
    Stopped before its run began, Locust submitted nothing: an empty, interrupted result."""
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    if not run.results_path.exists() and interrupted and STARTED not in log:
        return RunResults(run.scenario, submits_sent=0, interrupted=True)
    if not run.results_path.exists():
        tail = log_path.read_text()[-800:] if log_path.exists() else ""
        raise HarnessError(f"locust ({run.scenario}) wrote no results; log tail: {tail}")
    results = RunResults.read(run.results_path)
    results.scenario = results.scenario or run.scenario
    results.interrupted = interrupted
    return results
