"""`EmulatorServer`: the emulator on 127.0.0.1, in a background thread, for tests and embedded runs.

The socket is bound (port 0 = a free port) and listening before `start()` returns, so
`base_url` is usable at once; `stop()` joins the thread and frees the port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import uvicorn

from harness.emulator.app import EmulatorApp, build_app
from harness.emulator.exposure import unsafe_off_loopback
from harness.model import DEFAULT_SAMPLE, FaultSet, ModelConfig, sample_url

__all__ = ["EmulatorServer", "UnsafeExposure", "bind_socket", "listen", "uvicorn_server"]


class UnsafeExposure(ValueError):
    """An emulator set up for loopback, asked to listen where other machines reach it."""


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def listen(app: EmulatorApp, host: str, port: int) -> tuple[socket.socket, str]:
    """A listening socket for `app` and its base URL (IPv6 hosts bracketed).

    The app learns the address, so a sample `image_url` on it resolves without HTTP. An app
    not fit to be reached from other machines is refused any address but loopback.
    """
    problems = unsafe_off_loopback(host, app.model.config, fetches_any=app.images.allow is None)
    if problems:
        raise UnsafeExposure(f"{host} is reachable from other machines: {'; '.join(problems)}")
    sock = bind_socket(host, port)
    bracketed = f"[{host}]" if ":" in host else host
    netloc = f"{bracketed}:{sock.getsockname()[1]}"
    app.images.own_netlocs.add(netloc)
    return sock, f"http://{netloc}"


def uvicorn_server(app: EmulatorApp, **overrides: Any) -> uvicorn.Server:
    options: dict[str, Any] = {
        "http": "httptools",
        "loop": "auto",
        "lifespan": "on",
        "log_level": "warning",
        "access_log": False,
        "timeout_graceful_shutdown": 2,
        "backlog": 2048,
    }
    options.update(overrides)
    return uvicorn.Server(uvicorn.Config(app, **options))


class EmulatorServer:
    """`with EmulatorServer(config, faults) as server: httpx.get(server.base_url + ...)`."""

    def __init__(
        self,
        config: ModelConfig | None = None,
        faults: FaultSet | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        fetch_allow: Sequence[str] | None = None,
    ) -> None:
        self.config = config or ModelConfig()
        self.app = build_app(self.config, faults, fetch_allow=fetch_allow)
        self.model = self.app.model
        self._host, self._port = host, port
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    @property
    def token(self) -> str:
        return self.config.tokens[0]

    def sample_url(self, name: str = DEFAULT_SAMPLE) -> str:
        return sample_url(self.base_url, name)

    def ground_truth(self) -> list[dict[str, Any]]:
        return self.model.ground_truth()

    def start(self, timeout: float = 10.0) -> EmulatorServer:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._sock, self.base_url = listen(self.app, self._host, self._port)
        self._server = uvicorn_server(self.app)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name=f"emulator-{self._sock.getsockname()[1]}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:  # startup is a few ms; surface failures, not hang
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("emulator failed to start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self._server = None

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
