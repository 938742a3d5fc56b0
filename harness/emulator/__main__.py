"""`python -m harness.emulator [serve flags]`: the emulator as its own process.

The first stdout line is `listening on http://HOST:PORT`.
"""

from __future__ import annotations

import sys

from harness.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", *sys.argv[1:]]))
