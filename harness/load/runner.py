"""Start Locust headless in its own process (it monkey-patches with gevent), and the emulator
in another, so neither shares a GIL with the load generator. No Locust import here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import HarnessError
from harness.load.results import RunResults

__all__ = ["LOCUSTFILES", "LocustRun", "emulator_process", "run_locust"]

_ROOT = Path(__file__).resolve().parent
LOCUSTFILES = {
    "queue-latency": "harness.load.users:QueueLatencyUser",
    "polling": "harness.load.users:PollingUser",
    "cancel": "harness.load.users:CancelUser",
}
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
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
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
            "--submit-for", str(self.submit_for), "--job-timeout", str(self.job_timeout),
            "--poll-policies", self.poll_policies, "--max-jobs", str(self.max_jobs),
            "--harness-users", str(self.users), "--harness-seed", str(self.seed),
            "--harness-results", str(self.results_path),
        ]  # fmt: skip
        if self.input_image_url:
            cmd += ["--input-image-url", self.input_image_url]
        if self.processes > 0:
            cmd += ["--processes", str(self.processes)]
        else:
            cmd.append("--quit-when-done")
        if self.csv_prefix:
            cmd += ["--csv", self.csv_prefix]
        return cmd


def run_locust(
    run: LocustRun, token: str | None, progress: Callable[[float], None] | None = None
) -> RunResults:
    """Run one scenario to its end (or Ctrl-C, which Locust turns into a clean stop) and
    return its results; the token travels in the environment, never on a command line."""
    env = {**os.environ, **run.extra_env}
    env.pop("RUNCOMFY_API_TOKEN", None)
    if token:
        env["RUNCOMFY_API_TOKEN"] = token
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(_ROOT.parent.parent), env.get("PYTHONPATH", "")) if p
    )
    log = (run.workdir / f"locust-{run.scenario}-{run.seed}.log").open("w")
    proc = subprocess.Popen(
        run.command(), stdout=log, stderr=subprocess.STDOUT, env=env, cwd=run.workdir
    )
    start = time.monotonic()
    try:
        while proc.poll() is None:
            try:
                proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                if progress:
                    progress(time.monotonic() - start)
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)  # Locust stops, cancels queued jobs, writes results
        proc.wait(timeout=60)
    finally:
        log.close()
    if not run.results_path.exists():
        tail = (run.workdir / log.name).read_text()[-800:] if Path(log.name).exists() else ""
        raise HarnessError(f"locust ({run.scenario}) wrote no results; log tail: {tail}")
    return RunResults.read(run.results_path)
