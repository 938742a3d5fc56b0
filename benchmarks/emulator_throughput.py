"""Live emulator throughput: status polls/s with 10,000 jobs held, and RSS after 100,000 jobs.

The emulator runs as its own process (`python -m harness.emulator`), pinned to one core when
the OS allows; the load generator is another process (asyncio + httpx keep-alive clients)
pinned to the other core. Figures are medians over several windows.

    python benchmarks/emulator_throughput.py [--held 10000] [--passed 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from harness.model import DEFAULT_TOKENS, MODEL_ID

TOKEN = DEFAULT_TOKENS[0]  # the emulator's public default, not a secret
SUBMIT = f"/v1/models/{MODEL_ID}"


def start_emulator(*extra: str) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, "-m", "harness.emulator", "--port", "0", *extra]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parent.parent
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("listening on "):
        proc.kill()
        raise RuntimeError(f"emulator did not start: {line!r}")
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(proc.pid, {0})
    return proc, line.removeprefix("listening on ")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bytes:
    """One keep-alive HTTP/1.1 exchange over raw sockets: httpx itself tops out near
    1k requests/s per core, which would measure the client rather than the server."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head[:60])
    length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    return await reader.readexactly(length)


def _split(base: str) -> tuple[str, int]:
    host, _, port = base.removeprefix("http://").partition(":")
    return host, int(port)


async def _submit_many(base: str, n: int, conns: int = 16, **fields: object) -> list[str]:
    host, port = _split(base)
    body = json.dumps(
        {"image_url": f"{base}/samples/landscape-16x9.jpg", "prompt": "p", **fields}
    ).encode()
    request = (
        f"POST {SUBMIT} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    ids: list[str] = []

    async def worker(count: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        for _ in range(count):
            ids.append(json.loads(await _exchange(reader, writer, request))["request_id"])
        writer.close()
        await writer.wait_closed()

    await asyncio.gather(*(worker(n // conns + (i < n % conns)) for i in range(conns)))
    return ids


async def _poll(base: str, ids: list[str], seconds: float, conns: int) -> int:
    host, port = _split(base)
    done = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, port)
        i = offset
        while time.perf_counter() < deadline:
            await _exchange(
                reader,
                writer,
                f"GET /v1/requests/{ids[i % len(ids)]}/status HTTP/1.1\r\n"
                f"Host: {host}:{port}\r\nAuthorization: Bearer {TOKEN}\r\n\r\n".encode(),
            )
            done += 1
            i += conns
        writer.close()
        await writer.wait_closed()

    await asyncio.gather(*(worker(k) for k in range(conns)))
    return done


def _poll_process(base: str, ids: list[str], seconds: float, conns: int, out: mp.Queue) -> None:  # type: ignore[type-arg]
    if hasattr(os, "sched_setaffinity") and (os.cpu_count() or 1) > 1:
        os.sched_setaffinity(0, {1})
    out.put(asyncio.run(_poll(base, ids, seconds, conns)))


def measure_polls(
    base: str, ids: list[str], windows: int, seconds: float, procs: int
) -> list[float]:
    rates = []
    ctx = mp.get_context("spawn")
    for _ in range(windows):
        out: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        workers = [
            ctx.Process(target=_poll_process, args=(base, ids, seconds, 16, out))
            for _ in range(procs)
        ]
        for w in workers:
            w.start()
        total = sum(out.get() for _ in workers)
        for w in workers:
            w.join()
        rates.append(total / seconds)
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--held", type=int, default=10_000)
    parser.add_argument("--passed", type=int, default=100_000)
    parser.add_argument("--windows", type=int, default=5)
    parser.add_argument("--window-seconds", type=float, default=3.0)
    parser.add_argument("--load-procs", type=int, default=1)
    args = parser.parse_args()

    # 1. Polls/s with `held` jobs held: one GPU and 10 s jobs, so nearly all stay queued.
    proc, base = start_emulator("--workers", "1", "--time-per-step", "10")
    try:
        t0 = time.perf_counter()
        ids = asyncio.run(_submit_many(base, args.held))
        print(
            f"submitted {len(ids)} jobs in {time.perf_counter() - t0:.1f}s "
            f"({len(ids) / (time.perf_counter() - t0):.0f}/s)"
        )
        rates = measure_polls(base, ids, args.windows, args.window_seconds, args.load_procs)
        print(
            f"status polls/s with {len(ids)} held jobs: median {statistics.median(rates):.0f} "
            f"(windows: {', '.join(f'{r:.0f}' for r in rates)})"
        )
        print(f"RSS with {len(ids)} held jobs: {rss_mb(proc.pid):.1f} MB")
    finally:
        proc.terminate()
        proc.wait(10)

    # 2. RSS after `passed` jobs went through, with expiry: 64 fast GPUs, 1 s retention.
    proc, base = start_emulator(
        "--workers", "64", "--time-per-step", "0.001", "--retention", "1", "--jitter", "0"
    )
    try:
        print(f"RSS at start: {rss_mb(proc.pid):.1f} MB")
        t0 = time.perf_counter()
        for start in range(0, args.passed, 10_000):
            asyncio.run(
                _submit_many(base, min(10_000, args.passed - start), enable_prompt_expansion=False)
            )
        elapsed = time.perf_counter() - t0
        health = httpx.get(f"{base}/_emulator/health").json()
        for _ in range(300):  # let the backlog drain and retention expire it
            if health["held"] == 0:
                break
            time.sleep(0.1)
            health = httpx.get(f"{base}/_emulator/health").json()
        print(f"passed {health['submitted']} jobs in {elapsed:.1f}s; still held: {health['held']}")
        print(f"RSS after {health['submitted']} jobs (expiry on): {rss_mb(proc.pid):.1f} MB")
    finally:
        proc.terminate()
        proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
