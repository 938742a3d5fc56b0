"""Target resolution and the `job` command, against the embedded emulator and a dead port."""

from __future__ import annotations

import json
import socket

import pytest

from harness.cli import main
from harness.errors import UsageError
from harness.target import default_public_image_url, open_target
from harness.urls import checked_base_url, is_loopback


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000", True),
        ("http://127.9.9.9", True),
        ("http://localhost:1", True),
        ("http://[::1]:8080", True),
        ("https://model-api.runcomfy.net", False),
        ("http://10.0.0.1", False),
    ],
)
def test_loopback_detection(url: str, loopback: bool) -> None:
    assert is_loopback(checked_base_url(url)) is loopback


@pytest.mark.parametrize(
    "url", ["http://[bad", "ftp://host", "localhost:80", "http://a b", "http://"]
)
def test_malformed_base_urls(url: str) -> None:
    with pytest.raises(UsageError):
        checked_base_url(url)


def test_remote_target_needs_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUNCOMFY_API_TOKEN", raising=False)
    with pytest.raises(UsageError, match="no token"), open_target("https://api.example"):
        pass
    with open_target("https://api.example/", token="t") as target:
        assert not target.embedded
        assert target.ground_truth_url is None
        assert target.input_image_url == default_public_image_url()
        assert target.input_image_url.startswith("https://")


def test_embedded_target_is_a_live_loopback_emulator() -> None:
    with open_target() as target:
        assert target.embedded
        assert target.loopback
        assert target.token is not None
        assert target.second_token is not None
        assert target.input_image_url.startswith(target.base_url + "/samples/")
        url = target.base_url
    with socket.socket() as sock:  # stopped with the block: nothing listens any more
        assert sock.connect_ex(("127.0.0.1", int(url.rsplit(":", 1)[1]))) != 0


def test_job_command_runs_one_job_on_the_embedded_emulator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["job", "--poll", "0.05", "--json", "--input", '{"output_format": "png"}']) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["result"]["status"] == "succeeded"
    assert report["result"]["output"]["image"].endswith(".png")
    assert report["polls"][-1]["status"] == "completed"
    assert "emulator-token" not in json.dumps(report)


def test_job_command_against_a_dead_port_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["job", "--base-url", f"http://127.0.0.1:{free_port()}", "--token", "sekrit"])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "sekrit" not in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["job", "--poll", "never"],
        ["job", "--input", "[1]"],
        ["job", "--base-url", "http://[bad", "--token", "t"],
        ["schemas", "input", "/no/such/file.json"],
    ],
)
def test_bad_input_is_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err.startswith("error: ")
