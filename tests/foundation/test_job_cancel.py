"""`job` orphans nothing: the request id reaches stderr first, and Ctrl-C (a KeyboardInterrupt
raised at a chosen point of the real run), the job timeout or a failure while following the job
sends a cancel to the live emulator, whose ground truth shows what the cancel did."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from harness.cli import main
from harness.client import Client
from harness.client.records import SubmitAck
from harness.model import FaultSet, ModelConfig, ServiceTimes
from tests.foundation.counting import Counted, counting_emulator

SLOW = ServiceTimes(time_per_step=10.0, jitter_sigma=0.0)  # a job takes ~100 s: never finishes


@pytest.fixture
def emulator(request: pytest.FixtureRequest) -> Iterator[Counted]:
    faults = FaultSet.parse(getattr(request, "param", ()))
    with counting_emulator(ModelConfig(workers=1, times=SLOW), faults) as counted:
        yield counted


def _busy(emulator: Counted) -> str:
    """Occupy the only GPU, so the next job waits in the queue (cancellable)."""
    body = {"image_url": emulator.server.sample_url(), "prompt": "blocker"}
    headers = {"Authorization": f"Bearer {emulator.server.token}"}
    url = f"{emulator.url}/v1/models/nvidia/chrono-edit/lora"
    rid: str = httpx.post(url, json=body, headers=headers, timeout=10).json()["request_id"]
    return rid


def _job(emulator: Counted, *extra: str) -> list[str]:
    return [
        "job", "--base-url", emulator.url, "--token", emulator.server.token,
        "--input-image-url", emulator.server.sample_url(), "--poll-interval", "0.02", *extra,
    ]  # fmt: skip


def _interrupt(*_args: Any, **_kwargs: Any) -> Any:
    raise KeyboardInterrupt


def _state(emulator: Counted, request_id: str) -> str:
    return next(j["state"] for j in emulator.server.ground_truth() if j["request_id"] == request_id)


def _their_job(emulator: Counted, blocker: str | None = None) -> str:
    ids = [j["request_id"] for j in emulator.server.ground_truth() if j["request_id"] != blocker]
    assert len(ids) == 1
    return ids[0]


def test_ctrl_c_while_queued_cancels_the_job_and_exits_130(
    emulator: Counted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = _busy(emulator)
    monkeypatch.setattr(Client, "wait", _interrupt)  # Ctrl-C while following the job
    assert main(_job(emulator)) == 130
    rid = _their_job(emulator, blocker)
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"request_id {rid}"  # said before anything else
    assert err[1] == f"cancel of job {rid}: cancelled"
    assert _state(emulator, rid) == "cancelled"
    assert emulator.requests.count(f"POST /v1/requests/{rid}/cancel") == 1


def test_ctrl_c_between_the_answer_and_its_parsing_still_cancels(
    emulator: Counted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The submit was answered but the client had not parsed it yet: the id is already known
    (from the exchange itself), so the job is still cancelled, not orphaned."""
    blocker = _busy(emulator)
    monkeypatch.setattr(SubmitAck, "parse", _interrupt)
    assert main(_job(emulator)) == 130
    rid = _their_job(emulator, blocker)
    assert f"cancel of job {rid}: cancelled" in capsys.readouterr().err
    assert _state(emulator, rid) == "cancelled"


def test_ctrl_c_on_a_running_job_says_it_could_not_be_cancelled(
    emulator: Counted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Client, "wait", _interrupt)
    assert main(_job(emulator, "--json")) == 130
    rid = _their_job(emulator)
    assert f"cancel of job {rid}: not_cancellable" in capsys.readouterr().err
    assert _state(emulator, rid) == "running"
    assert emulator.requests.count(f"POST /v1/requests/{rid}/cancel") == 1


@pytest.mark.parametrize("emulator", [("cancel_409",)], indirect=True)
def test_a_refused_cancel_is_reported_failed(
    emulator: Counted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Client, "wait", _interrupt)
    assert main(_job(emulator)) == 130
    rid = _their_job(emulator)
    err = capsys.readouterr().err
    assert f"cancel of job {rid}: failed: " in err
    assert emulator.server.token not in err


def test_the_job_timeout_cancels_the_job_and_exits_1(
    emulator: Counted, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = _busy(emulator)
    assert main(_job(emulator, "--job-timeout", "0.2")) == 1
    rid = _their_job(emulator, blocker)
    err = capsys.readouterr().err
    assert f"cancel of job {rid}: cancelled" in err
    assert "job not finished after 0.2s" in err
    assert _state(emulator, rid) == "cancelled"


def test_a_second_ctrl_c_during_the_cancel_stops_at_once(
    emulator: Counted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = _busy(emulator)
    monkeypatch.setattr(Client, "wait", _interrupt)
    monkeypatch.setattr(Client, "cancel", _interrupt)  # the second Ctrl-C, mid-cancel
    assert main(_job(emulator)) == 130
    rid = _their_job(emulator, blocker)
    assert "failed: interrupted before an answer" in capsys.readouterr().err
    assert _state(emulator, rid) == "queued"  # said honestly: the cancel did not take


def test_ctrl_c_before_the_submit_leaves_nothing_to_cancel(
    emulator: Counted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(Client, "submit_timed", _interrupt)
    assert main(_job(emulator)) == 130
    out = capsys.readouterr()
    assert "before the submit was answered" in out.err
    assert out.out == ""  # no job, no report of one
    assert emulator.submits == 0


def test_an_error_while_following_the_job_cancels_it(
    emulator: Counted, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness.errors import ServerError

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise ServerError(500, "status broke")

    blocker = _busy(emulator)
    monkeypatch.setattr(Client, "wait", broken)
    assert main(_job(emulator)) == 2
    rid = _their_job(emulator, blocker)
    err = capsys.readouterr().err
    assert f"cancel of job {rid}: cancelled" in err
    assert err.splitlines()[-1].startswith("error: ")
    assert _state(emulator, rid) == "cancelled"


def test_a_real_sigint_to_the_job_process_cancels_its_job(emulator: Counted) -> None:
    """End to end: the job command in its own process, a real SIGINT once it has said its
    request id (the id line is the synchronisation point: no sleep)."""
    import os
    import signal
    import subprocess
    import sys

    blocker = _busy(emulator)
    argv = [a for a in _job(emulator) if a not in ("--token", emulator.server.token)]
    env = {**os.environ, "RUNCOMFY_API_TOKEN": emulator.server.token}
    proc = subprocess.Popen(
        [sys.executable, "-c", "import sys; from harness.cli import main; sys.exit(main())", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline().strip()
        assert first.startswith("request_id ")
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    rid = first.removeprefix("request_id ")
    assert proc.returncode == 130
    assert f"cancel of job {rid}: cancelled" in rest
    assert _their_job(emulator, blocker) == rid
    assert _state(emulator, rid) == "cancelled"
