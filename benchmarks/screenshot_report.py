"""Open an HTML load report in headless Chromium with no network and save a screenshot.

`python benchmarks/screenshot_report.py report.html shot.png` (needs `chromium` on PATH).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "headless_shell"):
        if path := shutil.which(name):
            return path
    return None


def screenshot(html: Path, png: Path, *, height: int = 4000) -> None:
    browser = find_chromium()
    if browser is None:
        raise SystemExit("no chromium on PATH (apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
             # no network: any fetch the page tried would fail and show as a broken image
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
             f"--window-size=1200,{height}", f"--screenshot={png.resolve()}",
             html.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip


if __name__ == "__main__":
    screenshot(Path(sys.argv[1]), Path(sys.argv[2]) if len(sys.argv) > 2 else Path("report.png"))
