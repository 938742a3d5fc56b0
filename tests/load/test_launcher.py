"""`load` starts its emulator through the one launcher (`target.open_target`), in its own
process by default, and a fault asked for reaches it there (it used to be ignored)."""

from __future__ import annotations

import httpx
import pytest

from harness.errors import UsageError
from harness.load.run.execute import run_load
from harness.load.run.settings import LoadSettings
from harness.target import EmbeddedOptions, open_target


@pytest.mark.live
@pytest.mark.parametrize("faults", [(), ("skip_auth",)])
def test_the_own_process_emulator_gets_its_faults(faults):
    options = EmbeddedOptions(workers=1, time_per_step=0.01, faults=faults, own_process=True)
    with open_target(None, None, None, None, options) as target:
        assert target.embedded
        assert target.input_image_url.startswith(target.base_url)
        answer = httpx.get(f"{target.base_url}/v1/requests/nope/status", timeout=10)
    # without a token the emulator refuses (401); with skip_auth it looks the job up (404)
    assert answer.status_code == (404 if faults else 401)


def test_an_unknown_fault_is_refused_before_anything_starts():
    with pytest.raises(UsageError, match="unknown fault"):
        LoadSettings(emulator_fault=("no_such_fault",))
    with pytest.raises(UsageError, match="drop --base-url"):
        LoadSettings(base_url="http://127.0.0.1:9", emulator_fault=("skip_auth",))
    with pytest.raises(UsageError, match="--allow-remote and --max-jobs"):
        run_load(LoadSettings(base_url="https://model-api.runcomfy.net"), "t")
