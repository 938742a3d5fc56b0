"""Deliberately broken servers: the conformant emulator behind a proxy that breaks one thing.

`HostileServer(fault, emulator)` listens on 127.0.0.1 (a free port) and forwards every request
to a live `EmulatorServer`, except where its fault applies. Each fault is one way a real server,
proxy or CDN goes wrong; the tests run the real CLI against them and assert the harness's bounds.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from harness.emulator import EmulatorServer

__all__ = ["FAULTS", "HUGE_BYTES", "METADATA_URL", "HostileServer"]

HUGE_BYTES = 200 * 1024 * 1024  # a status body of 200 MB
METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/harness"
_STATUS = re.compile(r"^/v1/requests/[^/]+/status$")
_RESULT = re.compile(r"^/v1/requests/[^/]+/result$")
_CHUNK = b"x" * 65536


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests read the CLI
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        # the harness hanging up mid-answer is exactly what a bounded client does
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.server.hostile.answer(self, body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hostile: HostileServer


class HostileServer:
    """`with HostileServer("hang_status", emulator) as bad: ... bad.base_url ...`"""

    def __init__(self, fault: str, emulator: EmulatorServer) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}")
        self.fault = fault
        self.emulator = emulator
        self.stopping = threading.Event()
        self.seen: list[str] = []  # the path of every request, in order
        self.trickle_seconds = 1.0  # between two bytes of a trickled answer
        self.first_request_at: float | None = None  # time.monotonic() of the first request
        self.upstream = httpx.Client(base_url=emulator.base_url, timeout=30)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.hostile = self
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopping.set()  # releases hanging and trickling handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        self.upstream.close()

    # -- answering ------------------------------------------------------------------------
    def requests(self, path: str) -> int:
        """How many requests for `path` reached this server."""
        return self.seen.count(path)

    def answer(self, handler: _Handler, body: bytes) -> None:
        path = urlsplit(handler.path).path
        if self.first_request_at is None:
            self.first_request_at = time.monotonic()
        self.seen.append(path)
        if path == "/cdn":
            target = parse_qs(urlsplit(handler.path).query)["to"][0]
            return _send(handler, 302, b"", {"Location": target})
        special = FAULTS[self.fault]
        if special(self, handler, path, body):
            return None
        status, headers, content = self.forward(handler, body)
        return _send(handler, status, content, headers)

    def forward(self, handler: _Handler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        keep = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        reply = self.upstream.request(handler.command, handler.path, content=body, headers=keep)
        headers = {"Content-Type": reply.headers.get("content-type", "application/json")}
        return reply.status_code, headers, reply.content


def _send(handler: _Handler, status: int, content: bytes, headers: dict[str, str]) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(content)))
    handler.end_headers()
    handler.wfile.write(content)


def _token_of(handler: _Handler) -> str:
    return handler.headers.get("authorization", "").removeprefix("Bearer ").strip()


# -- the faults: each returns True when it answered the request itself ------------------------
Fault = Callable[[HostileServer, _Handler, str, bytes], bool]


def _huge_status(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    if not _STATUS.match(path):
        return False
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(HUGE_BYTES))
    handler.end_headers()
    handler.wfile.write(b'{"status": "in_queue", "pad": "')
    sent = 0
    while sent < HUGE_BYTES - 64 and not server.stopping.is_set():
        handler.wfile.write(_CHUNK)
        sent += len(_CHUNK)
    return True


def _endless_status(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    if not _STATUS.match(path):
        return False
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"%x\r\n%s\r\n" % (len(_CHUNK), _CHUNK)
    while not server.stopping.is_set():
        handler.wfile.write(chunk)
    return True


def _hang_status(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    if not _STATUS.match(path):
        return False
    server.stopping.wait()  # accepted, never answered
    handler.close_connection = True
    return True


def _trickle_status(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    """The real answer, status line and headers included, one byte a second."""
    if not _STATUS.match(path):
        return False
    status, _headers, content = server.forward(handler, body)
    head = f"HTTP/1.1 {status} OK\r\nContent-Type: application/json\r\n"
    raw = (head + f"Content-Length: {len(content)}\r\n\r\n").encode() + content
    for byte in raw:
        if server.stopping.wait(server.trickle_seconds):
            break
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
    handler.close_connection = True
    return True


def _echo_token_error(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    """Every submit refused with the caller's token in the error message and body."""
    if not path.startswith("/v1/models/"):
        return False
    token = _token_of(handler)
    message = f"model busy (request by {token})"
    error = {"error_code": 400001, "error_message": message, "token": token}
    _send(handler, 400, json.dumps(error).encode(), {"Content-Type": "application/json"})
    return True


def _echo_token(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    """Every answer carries the caller's token: in a field, in the error message, in a header."""
    token = _token_of(handler)
    status, headers, content = server.forward(handler, body)
    try:
        data = json.loads(content)
    except ValueError:
        return False
    if isinstance(data, dict):
        data["echo"] = f"Bearer {token}"
        for key in ("error_message", "message"):
            if isinstance(data.get(key), str):
                data[key] += f" (request by {token})"
    _send(handler, status, json.dumps(data).encode(), {**headers, "X-Echo": token})
    return True


def _rewrite_image(
    server: HostileServer, handler: _Handler, body: bytes, new: Callable[[str], str]
) -> None:
    status, headers, content = server.forward(handler, body)
    data = json.loads(content)
    output = data.get("output") if isinstance(data, dict) else None
    if isinstance(output, dict) and isinstance(output.get("image"), str):
        output["image"] = new(output["image"])
        content = json.dumps(data).encode()
    _send(handler, status, content, headers)


def _redirect_images(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    """Output images served the way CDNs do: the result links to a URL that answers 302."""
    if not _RESULT.match(path):
        return False
    _rewrite_image(server, handler, body, lambda url: f"{server.base_url}/cdn?to={quote(url)}")
    return True


def _metadata_image(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    if not _RESULT.match(path):
        return False
    _rewrite_image(server, handler, body, lambda _url: METADATA_URL)
    return True


def _redirect_status(server: HostileServer, handler: _Handler, path: str, body: bytes) -> bool:
    """A misconfigured proxy: /status answers 302 to the upstream's own address."""
    if not _STATUS.match(path):
        return False
    _send(handler, 302, b"", {"Location": server.emulator.base_url + path})
    return True


FAULTS: dict[str, Fault] = {
    "huge_status": _huge_status,
    "endless_status": _endless_status,
    "hang_status": _hang_status,
    "trickle_status": _trickle_status,
    "echo_token": _echo_token,
    "echo_token_error": _echo_token_error,
    "redirect_images": _redirect_images,
    "metadata_image": _metadata_image,
    "redirect_status": _redirect_status,
}
