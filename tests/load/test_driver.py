"""The FastHttp driver keeps the client's bounds against a hostile server: an answer over the
byte cap comes back cut, a trickling body is cut at the request's deadline, and no answer at all
is a timeout, each within the step's total deadline. Locust runs in a child process (importing
it monkey-patches the interpreter); the hostile server is a raw socket on loopback here."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.live

_ROOT = Path(__file__).resolve().parents[2]
_CHILD = """
import json, sys, time
import locust  # patches the interpreter, as in a Locust process
import httpx
from locust.env import Environment
from locust.contrib.fasthttp import FastHttpSession
from harness.client.flows import Send
from harness.load.swarm.driver import FastHttpDriver

env = Environment()
results = []
for url, limit, timeout in json.loads(sys.argv[1]):
    driver = FastHttpDriver(FastHttpSession(url, env.events.request, None))
    started = time.monotonic()
    try:
        request = httpx.Request("GET", url + "/v1/requests/x/status")
        received = driver.send(Send(request, timeout, limit))
        out = {"cut": received.body.cut, "kept": len(received.response.content),
               "received": received.body.received, "status": received.response.status_code}
    except httpx.RequestError as exc:
        out = {"error": type(exc).__name__}
    out["elapsed"] = time.monotonic() - started
    results.append(out)
print(json.dumps(results))
"""


def _serve(conn: socket.socket, mode: str, stop: threading.Event) -> None:
    conn.recv(65536)
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    if mode == "huge":
        size = 5 * 1024 * 1024
        conn.sendall(head + f"Content-Length: {size}\r\n\r\n".encode())
        chunk = b"a" * 65536
        try:
            for _ in range(size // len(chunk)):
                conn.sendall(chunk)
        except OSError:
            return  # the driver closed the connection at its cap
    elif mode == "trickle":
        conn.sendall(head + b"Content-Length: 1000\r\n\r\n")
        while not stop.wait(0.2):  # one byte every 0.2 s: no single read ever times out
            try:
                conn.sendall(b"a")
            except OSError:
                return
    elif mode == "small":  # all of it in one packet, over a small cap
        conn.sendall(head + b"Content-Length: 1000\r\n\r\n" + b"a" * 1000)
        stop.wait(5)
    elif mode == "redirect":  # to a port nobody listens on: following it would fail
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:9/elsewhere\r\n"
                     b"Content-Length: 0\r\n\r\n")  # fmt: skip
    else:  # silent: accepts and never answers
        stop.wait(30)


@contextmanager
def hostile(mode: str) -> Iterator[str]:
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def accept() -> None:
        conn, _ = server.accept()
        with conn:
            _serve(conn, mode, stop)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.getsockname()[1]}"
    finally:
        stop.set()
        server.close()
        thread.join(5)


@pytest.fixture(scope="module")
def answers() -> dict[str, dict[str, object]]:
    """One child process (Locust imports once) sends to each hostile server in turn."""
    cases = {"huge": (4096, 20.0), "trickle": (4096, 1.5), "silent": (4096, 1.0),
             "redirect": (4096, 5.0), "refused": (4096, 5.0), "small": (100, 5.0)}  # fmt: skip
    with (
        hostile("huge") as huge,
        hostile("trickle") as trickle,
        hostile("silent") as silent,
        hostile("redirect") as redirect,
        hostile("small") as small,
    ):
        closed = socket.create_server(("127.0.0.1", 0))
        refused = f"http://127.0.0.1:{closed.getsockname()[1]}"
        closed.close()  # a port just freed: nothing listens there
        urls = {"huge": huge, "trickle": trickle, "silent": silent, "redirect": redirect,
                "refused": refused, "small": small}  # fmt: skip
        plan = [(urls[mode], *cases[mode]) for mode in cases]
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, json.dumps(plan)],
            capture_output=True, text=True, cwd=_ROOT, timeout=120, check=True,
        )  # fmt: skip
    results = json.loads(out.stdout.strip().splitlines()[-1])
    return dict(zip(cases, results, strict=True))


def test_an_answer_over_the_cap_comes_back_cut(answers):
    out = answers["huge"]
    assert out["cut"] == "cap"
    assert out["kept"] == 4096
    assert int(out["received"]) < 5 * 1024 * 1024  # type: ignore[call-overload]


def test_a_whole_answer_over_a_small_cap_comes_back_cut(answers):
    out = answers["small"]
    assert (out["cut"], out["kept"], out["received"], out["status"]) == ("cap", 100, 1000, 200)


def test_a_trickling_body_is_cut_at_the_deadline(answers):
    out = answers["trickle"]
    assert out["cut"] == "deadline"
    assert 1.5 <= float(out["elapsed"]) < 5.0  # type: ignore[arg-type]


def test_no_answer_at_all_is_a_timeout(answers):
    out = answers["silent"]
    assert out["error"] == "ReadTimeout"
    assert 1.0 <= float(out["elapsed"]) < 5.0  # type: ignore[arg-type]


def test_a_redirect_is_the_flows_to_judge_never_followed(answers):
    """API calls never follow a redirect (it could carry the token elsewhere)."""
    assert answers["redirect"]["status"] == 302


def test_a_refused_connection_is_a_connect_error(answers):
    out = answers["refused"]
    assert out["error"] == "ConnectError"
    assert float(out["elapsed"]) < 5.0  # type: ignore[arg-type]
