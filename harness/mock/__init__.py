"""The API model behind a respx router on a virtual clock: offline, deterministic, fast."""

from __future__ import annotations

from harness.mock.respx_api import MockApi

__all__ = ["MockApi"]
