"""The emulator as its own process: URL on the first line, clean exit on SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import httpx
import pytest


@pytest.mark.live
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_emulator_process(sig: signal.Signals) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.emulator", "--port", "0", "--time-per-step", "0.01"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on http://127.0.0.1:")
        base = line.removeprefix("listening on ")
        health = httpx.get(f"{base}/_emulator/health", timeout=5).json()
        assert health["ok"] is True
        proc.send_signal(sig)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
