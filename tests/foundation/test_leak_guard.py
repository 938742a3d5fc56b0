"""The suite-wide leak guard (tests/conftest.py) sees what it is meant to see."""

from __future__ import annotations

import subprocess
import sys

from harness.emulator import EmulatorServer
from tests.conftest import _children, _emulator_threads


def test_guard_sees_a_running_child_and_not_a_finished_one() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert proc.pid in _children()
    finally:
        proc.kill()
        proc.wait()
    assert proc.pid not in _children()


def test_guard_sees_a_running_emulator_thread() -> None:
    with EmulatorServer() as server:
        assert f"emulator-{server.base_url.rsplit(':', 1)[1]}" in _emulator_threads()
    assert not _emulator_threads()
