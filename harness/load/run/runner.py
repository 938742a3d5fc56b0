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
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError
from harness.load.measure.results import RunResults
from harness.load.run.scenarios import SCENARIOS
from harness.load.run.settings import LoadSettings
from harness.target import EmbeddedOptions
from harness.target import emulator_process as launch_emulator

__all__ = [
    "LOCUSTFILES",
    "STARTED",
    "LocustRun",
    "emulator_process",
    "run_locust",
    "serve_worker",
]

_ROOT = Path(__file__).resolve().parent
LOCUSTFILES = {name: s.user_class for name, s in SCENARIOS.items()}  # the registry's classes
WORKERS_MAX_WAIT = 120  # seconds a master waits for its --expect-workers to connect
STARTED = "chronoedit-harness: load run started"
WORKER_JOINED = (
    "chronoedit-harness: worker joined its master"  # Locust's own log line, read by the runner
)
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
    """One scenario run as a Locust command line. The run's settings travel as one JSON
    document (`--harness-settings`; Locust copies it to its workers); the rest is Locust's."""

    settings: LoadSettings  # resolved for this run (rate, arrivals, policies, seed, budget)
    host: str
    workdir: Path
    csv_prefix: str | None = None
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def scenario(self) -> str:
        return self.settings.scenario

    @property
    def seed(self) -> int:
        return self.settings.seed

    @property
    def results_path(self) -> Path:
        return self.workdir / f"{self.scenario}-{self.seed}.json"

    def command(self) -> list[str]:
        s = self.settings
        module, name = LOCUSTFILES[self.scenario].split(":")
        stub = self.workdir / f"locustfile_{self.scenario.replace('-', '_')}.py"
        stub.write_text(_STUB.format(module=module, name=name))
        cmd = [
            sys.executable, "-m", "locust", "-f", str(stub), "--host", self.host, "--headless",
            "-u", str(s.users), "-r", str(max(1, s.users)),
            "--run-time", f"{max(1, round(s.duration + s.drain))}s", "--stop-timeout", "0",
            "--only-summary", "--loglevel", "WARNING",
            "--harness-settings", s.to_json(), "--harness-results", str(self.results_path),
        ]  # fmt: skip
        if s.expect_workers > 0:  # workers on other machines (`load --worker`) connect here
            cmd += ["--master", "--expect-workers", str(s.expect_workers),
                    "--expect-workers-max-wait", str(WORKERS_MAX_WAIT),
                    "--master-bind-host", s.master_bind_host,
                    "--master-bind-port", str(s.master_bind_port)]  # fmt: skip
        elif s.processes > 0:
            # Locust's master would bind port 5557 on every interface: keep it on loopback, on a
            # free port, so two runs (or two test suites) on one machine never collide.
            port = str(free_loopback_port())
            cmd += ["--processes", str(s.processes), "--master-bind-host", "127.0.0.1",
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
    env = _child_env(token, run.extra_env)
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


def _child_env(token: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a Locust process: the token there, never on its command line."""
    env = {**os.environ, **(extra or {})}
    env.pop("RUNCOMFY_API_TOKEN", None)
    if token:
        env["RUNCOMFY_API_TOKEN"] = token
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_ROOT.parent.parent), env.get("PYTHONPATH", "")) if p
    )
    return env


def serve_worker(
    master_host: str,
    master_port: int,
    token: str | None,
    log: Callable[[str], None],
    *,
    idle: float = 60.0,
) -> int:
    """`load --worker`: serve a master on another machine, run after run, until none comes.

    A Locust worker serves one run (the master quits it at the run's end); `load --scenario all`
    or `--repeats` start a new master on the same port, so the worker is started again. It gets
    the locustfile and the run's settings from the master (nothing shared on disk) and the token
    from this machine's environment. After a served run, a master that does not come back
    within `idle` seconds ends the loop. Returns 0 once it served a run, 2 if it never reached
    a master (Locust waits 300 s for the first), 130 on Ctrl-C."""
    served = 0
    with tempfile.TemporaryDirectory(prefix="load-worker-") as tmp:
        while True:
            log(f"load worker: waiting for a master at {master_host}:{master_port}")
            code = _one_worker(master_host, master_port, token, Path(tmp), idle if served else None)
            if code == EXIT_INTERRUPTED:
                return code
            if code != 0:  # no master came in time (or Locust gave up connecting)
                if served:
                    log(f"load worker: served {served} run(s); no master any more")
                    return 0
                log(f"load worker: no master at {master_host}:{master_port} (exit {code})")
                return 2
            served += 1
            log(f"load worker: run {served} served")


EXIT_INTERRUPTED = 130


def _one_worker(
    master_host: str, master_port: int, token: str | None, tmp: Path, idle: float | None
) -> int:
    """One Locust worker process; killed if no master took it within `idle` seconds."""
    cmd = [sys.executable, "-m", "locust", "--worker", "-f", "-",
           "--master-host", master_host, "--master-port", str(master_port),
           "--exit-code-on-error", "0", "--loglevel", "WARNING"]  # fmt: skip
    log_path = tmp / "worker.log"
    with log_path.open("w") as out:
        proc = subprocess.Popen(
            cmd, env=_child_env(token), cwd=tmp, stdout=out, stderr=subprocess.STDOUT
        )
        waited = 0.0
        try:
            while proc.poll() is None:
                try:
                    proc.wait(timeout=1.0)
                except subprocess.TimeoutExpired:
                    waited += 1.0
                    joined = WORKER_JOINED in log_path.read_text(errors="replace")
                    if idle is not None and not joined and waited >= idle:
                        proc.terminate()
                        proc.wait()
                        return 1
        except KeyboardInterrupt:
            stop_gracefully(proc, timeout=30)
            return EXIT_INTERRUPTED
    return int(proc.returncode)
