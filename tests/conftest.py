"""Suite-wide guard: a test leaves no process, emulator thread or listening port behind."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest


def _children() -> set[int]:
    """Live (non-zombie) child processes of this process, read from /proc."""
    me, found = os.getpid(), set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we looked
        if int(fields[1]) == me and fields[0] != "Z":
            found.add(int(stat.parent.name))
    return found


def _emulator_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.name.startswith("emulator-")}


@pytest.fixture(autouse=True)
def _leaves_nothing_behind() -> Iterator[None]:
    if not Path("/proc/self/stat").exists():  # not Linux: nothing to look at
        yield
        return
    children, threads = _children(), _emulator_threads()
    yield
    leaked_children = _children() - children
    leaked_threads = _emulator_threads() - threads
    assert not leaked_children, f"test left child processes running: {sorted(leaked_children)}"
    assert not leaked_threads, f"test left emulator threads running: {sorted(leaked_threads)}"
