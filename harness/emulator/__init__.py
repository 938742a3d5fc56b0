"""The API model served over real HTTP (uvicorn, raw ASGI) on the real clock."""

from __future__ import annotations

from harness.emulator.app import EmulatorApp, build_app
from harness.emulator.fetch import HttpImageSource
from harness.emulator.server import EmulatorServer

__all__ = ["EmulatorApp", "EmulatorServer", "HttpImageSource", "build_app"]
