"""Draw a fixed number of cases from a strategy, reproducibly, and save a case for replay."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from harness.cases.case import Case

__all__ = ["draw", "save_case"]

T = TypeVar("T")


def draw(strategy: st.SearchStrategy[T], count: int, random_seed: int = 0) -> list[T]:
    """Up to `count` distinct examples; the same seed gives the same list.

    Runs a Hypothesis test that only collects (no I/O inside it, no shrinking): the cases are
    sent afterwards, so a failing server never makes Hypothesis replay a billable submit.
    """
    if count <= 0:
        return []
    found: list[T] = []
    seen: set[str] = set()

    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @seed(random_seed)
    @given(strategy)
    def collect(example: T) -> None:
        key = repr(example)
        if key not in seen and len(found) < count:
            seen.add(key)
            found.append(example)

    collect()
    return found


def save_case(folder: Path, case: Case, note: str = "") -> Path:
    """Write the case (exact body or raw bytes) as JSON, for replay with curl or a test."""
    folder.mkdir(parents=True, exist_ok=True)
    slug = re.sub(r"[^A-Za-z0-9]+", "-", case.label).strip("-")[:60] or "case"
    path = folder / f"{slug}.json"
    n = 1
    while path.exists():
        n += 1
        path = folder / f"{slug}-{n}.json"
    path.write_text(json.dumps({**case.to_dict(), "note": note}, indent=2, ensure_ascii=False))
    return path
