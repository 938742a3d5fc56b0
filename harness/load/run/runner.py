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
from harness.load.measure.results import RunResults, merge_results
from harness.load.run.scenarios import SCENARIOS
from harness.target import EmbeddedOptions
from harness.target import emulator_process as launch_emulator

__all__ = ["LOCUSTFILES", "LocustRun", "emulator_process", "run_locust"]

_ROOT = Path(__file__).resolve().parent
LOCUSTFILES = {name: s.user_class for name, s in SCENARIOS.items()}  # the registry's classes
_STUB = '"""Generated: one scenario\'s user class for Locust."""\nfrom {module} import {name}\n'


@contextmanager
def emulator_process(
    *, workers: int, time_per_step: float, seed: int = 0, tokens: str = "emulator-token-1"
) -> Iterator[str]:
    """The one emulator launcher (`harness.target.emulator_process`); yields its base URL."""
    options = EmbeddedOptions(workers=workers, time_per_step=time_per_step, seed=seed)
    with launch_emulator(options, tokens.split(",")) as url:
        yield url


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
            if self.max_jobs > 0:  # the whole budget, shared by the workers
                budget = self.workdir / f"budget-{self.scenario}-{self.seed}"
                budget.unlink(missing_ok=True)
                cmd += ["--harness-budget-file", str(budget)]
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
    for stale in _worker_files(run):
        stale.unlink()
    log_path = run.workdir / f"locust-{run.scenario}-{run.seed}.log"
    interrupted = False
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            run.command(), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=run.workdir,
            start_new_session=True,  # Ctrl-C reaches us only; we stop Locust gracefully
        )  # fmt: skip
        start = time.monotonic()
        try:
            while proc.poll() is None:
                try:
                    proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    if progress:
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


def _worker_files(run: LocustRun) -> list[Path]:
    path = run.results_path
    return sorted(path.parent.glob(f"{path.stem}.w*{path.suffix}"))


def _collect(run: LocustRun, log_path: Path, interrupted: bool) -> RunResults:
    """The master's results plus every worker's own file (distributed runs)."""
    parts = [RunResults.read(p) for p in [run.results_path, *_worker_files(run)] if p.exists()]
    if not parts:
        tail = log_path.read_text()[-800:] if log_path.exists() else ""
        raise HarnessError(f"locust ({run.scenario}) wrote no results; log tail: {tail}")
    merged = parts[0] if len(parts) == 1 else merge_results(parts)
    merged.scenario = merged.scenario or run.scenario
    merged.settings = merged.settings or next((p.settings for p in parts if p.settings), {})
    merged.interrupted = interrupted
    return merged
