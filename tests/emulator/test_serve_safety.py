"""`serve` safe by default: loopback unless told, own tokens off loopback, ground truth per
tenant there, no fetching of arbitrary image URLs, tokens never in a child's argv, and an
`Allow` header on every 405. Live servers bind 127.0.0.1; the off-loopback rules are the app's
configuration, so they are proved on loopback with the configuration `serve` picks."""

from __future__ import annotations

import argparse
import http.server
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from harness.cli import build_parser, main
from harness.cli.serve import config_from_args, exposure
from harness.emulator import EmulatorServer
from harness.model import DEFAULT_TOKENS, ModelConfig, ServiceTimes
from harness.model.config import TOKENS_ENV
from harness.model.images import sample_bytes
from harness.target import EmbeddedOptions, emulator_process
from tests.emulator.faces import SUBMIT, Face

FAST = ServiceTimes(time_per_step=0.01, jitter_sigma=0.0)
MINE = ("tenant-a-secret-1f3", "tenant-b-secret-9c2")


def _serve_args(*argv: str) -> argparse.Namespace:
    return build_parser(only="serve").parse_args(["serve", *argv])


# -- serve's choices --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--host", "0.0.0.0"], "tokens of your own"),
        (["--host", "192.0.2.7", "--tokens", "emulator-token-1,x"], "published in the source"),
        (["--host", "::", "--tokens", " , "], "tokens are empty"),
        (["--host", "0.0.0.0", "--tokens", "a", "--fetch-allow", "file:///etc"], "--fetch-allow"),
        (["--fault", "no_such_fault"], "known: "),
        (["--workers", "0"], "--workers"),
        (["--time-per-step", "nan"], "--time-per-step"),
        (["--jitter", "-1"], "--jitter"),
        (["--failure-rate", "1.5"], "--failure-rate"),
        (["--retention", "0"], "--retention"),
        (["--port", "70000"], "--port"),
        (["--tokens-file", "/nonexistent/tokens"], "--tokens-file"),
    ],
)
def test_serve_refuses_an_unsafe_setup_before_listening(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKENS_ENV, raising=False)
    assert main(["serve", "--port", "0", *argv]) == 2  # refused: it never listened nor blocked
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert says in err


def test_loopback_keeps_the_easy_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(TOKENS_ENV, raising=False)
    for host in ("127.0.0.1", "localhost", "::1"):
        exposed = exposure(_serve_args("--host", host))
        assert exposed.tokens == DEFAULT_TOKENS
        assert not exposed.public
        assert exposed.fetch_allow is None  # any URL: a fixture on this machine


def test_a_reachable_host_gets_auth_on_truth_and_own_samples_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKENS_ENV, raising=False)
    tokens_file = tmp_path / "tokens"
    tokens_file.write_text("\n".join(MINE) + "\n")
    config, _ = config_from_args(
        _serve_args("--host", "0.0.0.0", "--tokens-file", str(tokens_file))
    )
    assert config.tokens == MINE
    assert config.truth_needs_auth
    assert exposure(_serve_args("--host", "0.0.0.0", "--tokens", "a")).fetch_allow == ()
    monkeypatch.setenv(TOKENS_ENV, ",".join(MINE))
    chosen = exposure(_serve_args("--host", "10.1.2.3", "--fetch-allow", "https://cdn.example/i/"))
    assert chosen.tokens == MINE
    assert chosen.fetch_allow == ("https://cdn.example/i/",)


# -- ground truth -----------------------------------------------------------------------------
def _submit(base: str, token: str, image_url: str) -> httpx.Response:
    body = {"image_url": image_url, "prompt": "p"}
    return httpx.post(base + SUBMIT, json=body, headers=_auth(token), timeout=10)


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_ground_truth_off_loopback_needs_a_token_and_shows_only_its_jobs() -> None:
    config = ModelConfig(tokens=MINE, workers=1, times=FAST, truth_needs_auth=True)
    from harness.model import FaultSet

    with EmulatorServer(config, FaultSet.of("skip_auth")) as server:
        mine = _submit(server.base_url, MINE[0], server.sample_url()).json()["request_id"]
        theirs = _submit(server.base_url, MINE[1], server.sample_url()).json()["request_id"]
        truth = server.base_url + "/_emulator/jobs"
        assert httpx.get(truth, timeout=10).status_code == 401  # skip_auth does not open it
        assert httpx.get(truth, headers=_auth("guess"), timeout=10).status_code == 401
        seen = httpx.get(truth, headers=_auth(MINE[0]), timeout=10).json()["jobs"]
        assert [j["request_id"] for j in seen] == [mine]
        seen = httpx.get(truth, headers=_auth(MINE[1]), timeout=10).json()["jobs"]
        assert [j["request_id"] for j in seen] == [theirs]
        health = server.base_url + "/_emulator/health"
        assert httpx.get(health, timeout=10).status_code == 401
        assert httpx.get(health, headers=_auth(MINE[1]), timeout=10).json()["ok"] is True


def test_ground_truth_on_loopback_stays_open() -> None:
    with EmulatorServer(ModelConfig(workers=1, times=FAST)) as server:
        rid = _submit(server.base_url, server.token, server.sample_url()).json()["request_id"]
        jobs = httpx.get(server.base_url + "/_emulator/jobs", timeout=10).json()["jobs"]
        assert [j["request_id"] for j in jobs] == [rid]
        assert httpx.get(server.base_url + "/_emulator/health", timeout=10).json()["ok"] is True


# -- fetching image_url -----------------------------------------------------------------------
class _Images(http.server.BaseHTTPRequestHandler):
    hits: list[str]
    redirect_to: str | None = None

    def do_GET(self) -> None:
        self.hits.append(self.path)
        if self.redirect_to:
            self.send_response(302)
            self.send_header("Location", self.redirect_to + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data, ctype = sample_bytes("landscape-16x9.jpg")
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *_args: object) -> None:
        pass


@contextmanager
def image_host(redirect_to: str | None = None) -> Iterator[tuple[str, list[str]]]:
    """A plain HTTP server on 127.0.0.1 serving a JPEG (or redirecting); counts its hits."""
    hits: list[str] = []
    handler = type("Handler", (_Images,), {"hits": hits, "redirect_to": redirect_to})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _outcome(server: EmulatorServer, image_url: str) -> dict[str, object]:
    rid = _submit(server.base_url, server.token, image_url).json()["request_id"]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = httpx.get(
            f"{server.base_url}/v1/requests/{rid}/result", headers=_auth(server.token), timeout=10
        ).json()
        if r["status"] in ("succeeded", "failed"):
            return dict(r)
        time.sleep(0.01)
    raise AssertionError("job did not finish")


def _emulator(allow: tuple[str, ...] | None) -> EmulatorServer:
    return EmulatorServer(ModelConfig(workers=2, times=FAST), fetch_allow=allow)


def test_without_an_allow_list_nothing_outside_is_fetched() -> None:
    with image_host() as (host, hits), _emulator(()) as server:
        outside = _outcome(server, host + "/cat.jpg")
        own = _outcome(server, server.sample_url())
    assert outside["status"] == "failed"
    assert "allow-list" in str(outside["error"])
    assert hits == []  # not even a connection
    assert own["status"] == "succeeded"


def test_an_allow_listed_prefix_is_fetched_and_nothing_beside_it() -> None:
    with image_host() as (host, hits), _emulator((host + "/ok/",)) as server:
        assert _outcome(server, host + "/ok/cat.jpg")["status"] == "succeeded"
        assert _outcome(server, host + "/other/cat.jpg")["status"] == "failed"
        assert _outcome(server, host + ".evil.example/ok/cat.jpg")["status"] == "failed"
    assert hits == ["/ok/cat.jpg"]


def test_a_redirect_off_the_allow_list_is_not_followed() -> None:
    with (
        image_host() as (inner, inner_hits),
        image_host(redirect_to=inner) as (outer, outer_hits),
        _emulator((outer + "/",)) as server,
    ):
        outcome = _outcome(server, outer + "/x.jpg")
    assert outcome["status"] == "failed"
    assert outer_hits == ["/x.jpg"]
    assert inner_hits == []  # the hop to a host not on the list was never sent


def test_on_loopback_by_default_any_url_is_fetched() -> None:
    with image_host() as (host, hits), _emulator(None) as server:
        assert _outcome(server, host + "/cat.jpg")["status"] == "succeeded"
    assert hits == ["/cat.jpg"]


# -- tokens never in a child's argv -----------------------------------------------------------
def _children_cmdlines() -> dict[int, bytes]:
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == os.getpid():
                found[int(stat.parent.name)] = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs /proc")
def test_an_emulator_process_gets_its_tokens_through_the_environment() -> None:
    secret = "tok-" + os.urandom(8).hex()
    with emulator_process(EmbeddedOptions(workers=1, time_per_step=0.01), [secret]) as url:
        children = {
            pid: cmd for pid, cmd in _children_cmdlines().items() if b"harness.emulator" in cmd
        }
        assert len(children) == 1
        ((pid, cmdline),) = children.items()
        assert secret.encode() not in cmdline
        assert secret.encode() in Path(f"/proc/{pid}/environ").read_bytes()  # how it got there
        assert _submit(url, secret, url + "/samples/landscape-16x9.jpg").status_code == 200
        assert _submit(url, DEFAULT_TOKENS[0], url + "/x.jpg").status_code == 401


def test_an_emulator_process_that_cannot_start_says_why() -> None:
    from harness.errors import HarnessError

    bad = EmbeddedOptions(workers=1, faults=("no_such_fault",))
    with (
        pytest.raises(HarnessError, match=r"did not start.*no_such_fault"),
        emulator_process(bad, ["t"]),
    ):
        pass


# -- 405 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", SUBMIT, "POST"),
        ("PUT", "/v1/requests/{rid}/status", "GET"),
        ("POST", "/v1/requests/{rid}/result", "GET"),
        ("GET", "/v1/requests/{rid}/cancel", "POST"),
        ("DELETE", "/v1/requests/{rid}/cancel", "POST"),
    ],
)
def test_every_405_says_what_is_allowed(face: Face, method: str, path: str, allow: str) -> None:
    rid = face.job()
    r = face.client.request(method, path.format(rid=rid), headers=face.auth())
    assert r.status_code == 405
    assert r.headers["allow"] == allow
    assert r.json()["error_code"] == 405001


@pytest.mark.parametrize(
    "argv",
    [
        ["job", "--poll-interval", "0.02"],
        ["conform", "--max-jobs", "0", "--quiet"],
    ],
)
def test_embedded_runs_with_an_explicit_token_spawn_no_child_carrying_it(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever process an embedded run may start, the token is not on its command line."""
    import subprocess

    secret = "tok-" + os.urandom(8).hex()
    spawned: list[str] = []
    real_init = subprocess.Popen.__init__

    def recording(self: subprocess.Popen[bytes], args: object, *rest: object, **kw: object) -> None:
        spawned.append(str(args))
        real_init(self, args, *rest, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(subprocess.Popen, "__init__", recording)
    assert main([*argv, "--token", secret]) == 0
    assert not any(secret in cmd for cmd in spawned)
    out = capsys.readouterr()
    assert secret not in out.out + out.err


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", ""])
def test_the_library_refuses_to_expose_a_loopback_setup(host: str) -> None:
    """`EmulatorServer`/`listen` themselves refuse, before binding, an address other machines
    reach with the published tokens, open ground truth or unrestricted fetching."""
    from harness.emulator.server import UnsafeExposure

    server = EmulatorServer(ModelConfig(workers=1), host=host)
    with pytest.raises(UnsafeExposure, match="published in the source") as caught:
        server.start()
    assert "ground truth" in str(caught.value)
    assert "fetch" in str(caught.value)
    safe = ModelConfig(tokens=MINE, truth_needs_auth=True)
    with pytest.raises(UnsafeExposure, match="fetch allow-list"):
        EmulatorServer(safe, host=host).start()
