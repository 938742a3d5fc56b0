"""Open an HTML load report in headless Chromium with no network and save a screenshot.

`python benchmarks/screenshot_report.py report.html shot.png` (needs `chromium` on PATH).
"""

from __future__ import annotations

import argparse
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, help="the HTML report to open")
    parser.add_argument("png", type=Path, nargs="?", default=Path("report.png"), help="output")
    parser.add_argument("--height", type=int, default=4000, help="window height in pixels")
    args = parser.parse_args(argv)
    if not args.html.is_file():
        parser.error(f"no such file: {args.html}")
    screenshot(args.html, args.png, height=args.height)
    print(f"screenshot of {args.html} written to {args.png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
