"""Status polls per second one Locust process drives against the emulator (its own process):
the harness's job flow beside a plain Locust user hitting the same URL.

Runs alternate (plain, harness, plain, ...) in side-by-side windows; prints the medians and
the harness's overhead ratio (plain / harness, 1.0 = none), and the client's own work per
answer in-process (evidence with token scrubbing, the poll's parse), no network.
Run: `python benchmarks/load_generator_overhead.py`
"""

from __future__ import annotations

import argparse
import csv
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


def _status_rate(prefix: str) -> float:
    with open(f"{prefix}_stats.csv") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "status":
                return float(row["Requests/s"])
    raise RuntimeError("no status row")


def _locust(args: list[str], workdir: Path) -> None:
    env = {**os.environ, "RUNCOMFY_API_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
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
        (work / "plain.py").write_text(PLAIN.format(status_path=status_path, token=TOKEN))
        (work / "harness_flow.py").write_text(
            "from harness.load.swarm.users import QueueLatencyUser\n"
            "__all__ = ['QueueLatencyUser']\n"
        )
        plain, harness = [], []
        for i in range(args.pairs):
            _locust(
                [
                    "-f",
                    "plain.py",
                    "--host",
                    url,
                    "-u",
                    str(args.pollers),
                    "-r",
                    "1000",
                    "--run-time",
                    f"{args.window}s",
                    "--csv",
                    f"plain{i}",
                ],
                work,
            )
            plain.append(_status_rate(str(work / f"plain{i}")))
            # all jobs submitted in the first 0.2 s, then each polls back to back
            _locust(
                [
                    "-f",
                    "harness_flow.py",
                    "--host",
                    url,
                    "-u",
                    "1",
                    "-r",
                    "1",
                    "--run-time",
                    f"{args.window}s",
                    "--job-rate",
                    str(args.pollers * 5),
                    "--arrivals",
                    "constant",
                    "--submit-for",
                    "0.2",
                    "--max-jobs",
                    str(args.pollers),
                    "--poll-policy",
                    "fixed:0.000001",
                    "--csv",
                    f"harness{i}",
                ],
                work,
            )
            harness.append(_status_rate(str(work / f"harness{i}")))
            print(
                f"window {i + 1}: plain {plain[-1]:7.0f} polls/s  "
                f" harness {harness[-1]:7.0f} polls/s"
            )
    p, h = statistics.median(plain), statistics.median(harness)
    print(
        f"median plain {p:.0f} polls/s, harness {h:.0f} polls/s, "
        f"overhead ratio plain/harness = {p / h:.2f}"
    )


if __name__ == "__main__":
    main()
