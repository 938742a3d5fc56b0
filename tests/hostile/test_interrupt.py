"""Ctrl-C against a server that hangs: the cleanup is bounded, a second Ctrl-C stops at once,
and the report is written either way, with every job's cancel booked as it went.

The interrupt is sent on a condition (the server has seen the workload's first status read, or
the cleanup's first cancel), never after a guessed delay.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.client.bounds import DEFAULT_BOUNDS
from harness.emulator import EmulatorServer

from .cli import Child
from .servers import HostileServer
from .test_hostile import FAST, TOKEN

pytestmark = [pytest.mark.live, pytest.mark.slow]

REQUEST_TIMEOUT = 1.0


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(FAST) as server:
        yield server


def _until(condition: Callable[[], bool], limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "the condition never came"
        time.sleep(0.02)  # polling a condition, not waiting out a race


def _start(bad: HostileServer, emulator: EmulatorServer, out: Path) -> Child:
    argv = [
        "conform",
        *("--base-url", bad.base_url, "--input-image-url", emulator.sample_url()),
        *("--request-timeout", str(REQUEST_TIMEOUT), "--job-timeout", "120"),
        *("--max-jobs", "4", "--examples", "1", "--quiet", "--report", str(out / "r.json")),
    ]
    return Child(argv, TOKEN, out)


def _polling(bad: HostileServer) -> bool:
    return any(p.endswith("/status") for p in bad.seen)


def _cancelling(bad: HostileServer) -> bool:
    return any(p.endswith("/cancel") for p in bad.seen)


def test_cleanup_after_ctrl_c_is_bounded(emulator: EmulatorServer, tmp_path: Path) -> None:
    with HostileServer("hang_status", emulator) as bad:
        child = _start(bad, emulator, tmp_path)
        _until(lambda: _polling(bad))
        interrupted = time.monotonic()
        child.interrupt()
        run = child.finish(limit=90)
        after = time.monotonic() - interrupted
    assert run.code == 130, run.stderr[-2000:]
    # every cancel and the read after it within one request deadline, all within the budget
    assert after < DEFAULT_BOUNDS.cleanup_timeout + 10
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["interrupted"] is True
    cancels = [j["cancel"] for j in report["jobs"]]
    assert cancels
    assert set(cancels) <= {"cancelled", "not_cancellable", "not sent: already finished"}


def test_a_second_ctrl_c_stops_at_once_with_the_report(
    emulator: EmulatorServer, tmp_path: Path
) -> None:
    with HostileServer("hang_status", emulator) as bad:
        child = _start(bad, emulator, tmp_path)
        _until(lambda: _polling(bad))
        child.interrupt()
        _until(lambda: _cancelling(bad))
        again = time.monotonic()
        child.interrupt()
        run = child.finish(limit=90)
        after = time.monotonic() - again
    assert run.code == 130, run.stderr[-2000:]
    assert after < REQUEST_TIMEOUT + 10  # no more cleanup waits
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["summary"]["interrupted"] is True
    assert any(n.startswith("interrupted: cancels sent to") for n in report["notes"])
