"""Status polls per second one Locust process drives against the emulator (its own process):
the harness's job flow beside a plain Locust user hitting the same URL.

Runs alternate (plain, harness, plain, ...) in side-by-side windows; prints the medians and
the harness's overhead ratio (plain / harness, 1.0 = none), the median of the pairs' own
ratios (steadier when the machine's load drifts between pairs), the Locust process's CPU time
per poll (what sizes a load generator, and barely moved by other processes' load), and the
client's own work per answer in-process (evidence with token scrubbing, the poll's parse).
Run: `python benchmarks/load_generator_overhead.py`
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from harness.client.base import ClientSettings, Reply
from harness.client.protocol import Call
from harness.evidence import Exchange
from harness.load.run.runner import emulator_process
from harness.model import DEFAULT_TOKENS, sample_url
from harness.secrets import Token

ROOT = Path(__file__).resolve().parent.parent
TOKEN = DEFAULT_TOKENS[0]
PLAIN = """
from locust import constant
from locust.contrib.fasthttp import FastHttpUser
from locust import task

class PlainPoller(FastHttpUser):
    wait_time = constant(0)

    @task
    def poll(self):
        self.client.get("{status_path}", name="status",
                        headers={{"Authorization": "Bearer {token}"}})
"""

# Both locustfiles get the same probe. It counts status polls and CPU time from one second
# after the test starts (both sides warmed up, every job submitted) to its stop, on the wall
# clock: Locust's own Requests/s divides by a span that ends on a whole second, which on a
# 5 s window moves the rate by up to 20% at random.
PROBE = """
import json as _json, os as _os, time as _time
import gevent as _gevent
from locust import events as _events

_probe = {"mark": None, "polls": 0}

@_events.test_start.add_listener
def _probe_start(**_kw):
    def mark():
        _gevent.sleep(1.0)
        _probe["mark"] = (_time.time(), _time.process_time())
    _gevent.spawn(mark)

@_events.request.add_listener
def _probe_count(name, **_kw):
    if name == "status" and _probe["mark"] is not None:
        _probe["polls"] += 1

@_events.test_stop.add_listener
def _probe_stop(**_kw):
    wall, cpu = _probe["mark"]
    with open(_os.environ["PROBE_FILE"], "w") as f:
        _json.dump({"polls": _probe["polls"], "seconds": _time.time() - wall,
                    "cpu": _time.process_time() - cpu}, f)
"""


def _window(args: list[str], workdir: Path, prefix: str) -> tuple[float, float]:
    """One Locust run: its status polls per second and CPU microseconds per poll."""
    probe = workdir / f"{prefix}.json"
    _locust(args, workdir, {"PROBE_FILE": str(probe)})
    seen = json.loads(probe.read_text())
    return seen["polls"] / seen["seconds"], seen["cpu"] / seen["polls"] * 1e6


def _locust(args: list[str], workdir: Path, extra_env: dict[str, str]) -> None:
    env = {**os.environ, "RUNCOMFY_API_TOKEN": TOKEN, "PYTHONPATH": str(ROOT), **extra_env}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "--headless",
            "--only-summary",
            "--loglevel",
            "ERROR",
            "--stop-timeout",
            "0",
            *args,
        ],
        cwd=workdir,
        env=env,
        check=False,
        capture_output=True,
    )  # lost jobs exit 1


def per_answer_us(rounds: int = 5, answers: int = 5000) -> float:
    """Median microseconds the client spends on one status answer (its evidence, scrubbed of
    the token, and the poll read from it), with one request reused as the load driver does."""
    Token(TOKEN)  # registered, as in a run
    call = Call.on_request("status", "0" * 32)
    request = httpx.Request(
        "GET", "http://127.0.0.1:1" + call.path, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    body = b'{"request_id": "%s", "status": "in_queue", "queue_position": 3}' % (b"0" * 32)
    headers = {"content-type": "application/json", "server": "emulator", "date": "now"}
    response = httpx.Response(200, headers=headers, content=body, request=request)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(answers):
            exchange = Exchange.of(request, response, sent_at=0.0, received_at=0.0)
            reply = Reply(call, response, exchange, 0.0, 0.0, received=len(body))
            ClientSettings.poll_of(reply, 0.0, 0.0)
        times.append((time.perf_counter() - started) / answers * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pollers", type=int, default=10, help="concurrent pollers")
    parser.add_argument("--window", type=int, default=5, help="seconds per window")
    parser.add_argument("--pairs", type=int, default=3, help="side-by-side windows")
    args = parser.parse_args()
    print(f"client work per status answer (in-process, no network): {per_answer_us():.1f} us")
    with (
        emulator_process(workers=4, time_per_step=100.0, tokens=TOKEN) as url,
        tempfile.TemporaryDirectory() as tmp,
    ):
        work = Path(tmp)
        submit = Call.submit({"image_url": sample_url(url), "prompt": "x"})
        rid = httpx.post(
            url + submit.path, headers={"Authorization": f"Bearer {TOKEN}"}, json=submit.body
        ).json()["request_id"]
        status_path = Call.on_request("status", rid).path
        (work / "plain.py").write_text(PLAIN.format(status_path=status_path, token=TOKEN) + PROBE)
        (work / "harness_flow.py").write_text(
            "from harness.load.swarm.users import QueueLatencyUser\n"
            "__all__ = ['QueueLatencyUser']\n" + PROBE
        )
        plain_args = ["-f", "plain.py", "--host", url, "-u", str(args.pollers), "-r", "1000",
                      "--run-time", f"{args.window}s"]  # fmt: skip
        # all jobs submitted in the first 0.2 s, then each polls back to back
        harness_args = ["-f", "harness_flow.py", "--host", url, "-u", "1", "-r", "1",
                        "--run-time", f"{args.window}s", "--job-rate", str(args.pollers * 5),
                        "--arrivals", "constant", "--submit-for", "0.2",
                        "--max-jobs", str(args.pollers),
                        "--poll-policy", "fixed:0.000001"]  # fmt: skip
        plain, harness = [], []
        for i in range(args.pairs):
            plain.append(_window(plain_args, work, f"plain{i}"))
            harness.append(_window(harness_args, work, f"harness{i}"))
            print(
                f"window {i + 1}: plain {plain[-1][0]:7.0f} polls/s {plain[-1][1]:5.1f} us CPU/poll"
                f"   harness {harness[-1][0]:7.0f} polls/s {harness[-1][1]:5.1f} us CPU/poll"
            )
    p, h = statistics.median(r for r, _ in plain), statistics.median(r for r, _ in harness)
    pairs = statistics.median(pr / hr for (pr, _), (hr, _) in zip(plain, harness, strict=True))
    pc, hc = statistics.median(c for _, c in plain), statistics.median(c for _, c in harness)
    print(
        f"median plain {p:.0f} polls/s, harness {h:.0f} polls/s, "
        f"overhead ratio plain/harness = {p / h:.2f} (median of the pairs' ratios {pairs:.2f})"
    )
    print(f"median CPU per poll: plain {pc:.1f} us, harness {hc:.1f} us, ratio {hc / pc:.2f}")


if __name__ == "__main__":
    main()
