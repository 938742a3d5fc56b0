"""A submit budget shared by every Locust process of one run (a counter in a locked file).

`--processes N` forks workers on this machine; each takes one permit per submit from the same
file, so the whole `--max-jobs` budget is usable whichever worker needs it. No Locust here.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

__all__ = ["SharedBudget"]


class SharedBudget:
    def __init__(self, path: Path, total: int) -> None:
        self.path, self.total = path, total

    def take(self) -> bool:
        """One more submit allowed? Atomic across processes (flock on the counter file)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            used = int(os.read(fd, 32) or b"0")
            if used >= self.total:
                return False
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, str(used + 1).encode())
            return True
        finally:
            os.close(fd)  # closing releases the lock
