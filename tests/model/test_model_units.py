from __future__ import annotations

import random

import pytest

from harness.cli import main
from harness.errors import UsageError
from harness.model import (
    FAULTS,
    FaultSet,
    ModelConfig,
    ServiceTimes,
    output_size,
    parse_fault,
    sample_url,
)


@pytest.mark.parametrize(
    ("w", "h", "res", "size"),
    [
        (1920, 1080, "480p", (832, 464)),
        (1920, 1080, "720p", (1280, 720)),
        (1080, 1920, "480p", (464, 832)),
        (1000, 1000, "480p", (624, 624)),
    ],
)
def test_output_size(w: int, h: int, res: str, size: tuple[int, int]) -> None:
    assert output_size(w, h, res) == size


def test_default_service_time_is_about_ten_seconds() -> None:
    rng = random.Random(1)
    times = ServiceTimes()
    runs = [times.sample(rng, steps=8, hd=False, expand=True, cold=False) for _ in range(500)]
    assert 9 < sum(runs) / len(runs) < 10.5
    hd = times.sample(rng, steps=8, hd=True, expand=False, cold=False)
    assert hd > 14


def test_parse_fault() -> None:
    assert parse_fault("skip_auth") == ("skip_auth", None)
    assert parse_fault("error_rate=0.25") == ("error_rate", 0.25)
    with pytest.raises(UsageError, match="known: "):
        parse_fault("nope")
    for bad in ("skip_auth=1", "error_rate=x", "drop_rate=2", "slow=-1"):
        with pytest.raises(UsageError):
            parse_fault(bad)


def test_registry_entries_are_complete() -> None:
    assert len(FAULTS) == 36  # 33 contract faults (5 of them for issue 9), 3 operational
    for fault in FAULTS.values():
        assert fault.description
        assert bool(fault.breaks) is not fault.takes_value  # operational faults break no rule
        assert (fault.level is None) is fault.takes_value
    assert str(FaultSet.of("skip_auth", slow=0.5)) == "skip_auth,slow=0.5"


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="workers"):
        ModelConfig(workers=0)
    with pytest.raises(ValueError, match="token"):
        ModelConfig(tokens=())


def test_sample_url() -> None:
    assert sample_url("http://h:1/") == "http://h:1/samples/landscape-16x9.jpg"


@pytest.mark.parametrize(
    "argv",
    [["serve", "--fault", "nope"], ["serve", "--workers", "0"], ["serve", "--port", "-1"]],
)
def test_serve_bad_input_is_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert len(err.strip().splitlines()) == 1
