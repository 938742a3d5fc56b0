from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from harness.model import FaultSet, ModelConfig
from tests.emulator.faces import Face, open_face

FaceFactory = Callable[..., Face]


@pytest.fixture(params=["mock", pytest.param("live", marks=pytest.mark.live)])
def make_face(request: pytest.FixtureRequest) -> Iterator[FaceFactory]:
    """`make_face(config=None, faults=None)`: the parametrized face, stopped after the test."""
    with ExitStack() as stack:

        def make(config: ModelConfig | None = None, faults: Any = None) -> Face:
            if isinstance(faults, str | tuple | list):
                specs = [faults] if isinstance(faults, str) else list(faults)
                faults = FaultSet.parse(specs, seed=3)
            return stack.enter_context(open_face(request.param, config, faults))

        yield make


@pytest.fixture
def face(make_face: FaceFactory) -> Face:
    return make_face()
