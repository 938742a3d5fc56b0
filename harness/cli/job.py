"""`chronoedit-harness job`: submit one job, follow it to the end, print what was seen.

The smallest useful thing the harness does, and a smoke test of a target: one billable job.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from harness.cli.options import (
    add_request_timeout,
    add_target_options,
    bounds_of,
    embedded_options,
)
from harness.client import Client, History, parse_policy
from harness.errors import JobTimeout, UsageError
from harness.target import open_target

__all__ = ["register"]


def register(sub: Any, *, name: str, help: str) -> None:
    parser = sub.add_parser(name, help=help, description=help)
    add_target_options(parser)
    parser.add_argument("--prompt", default="Turn the ankle socks into knee-high socks.")
    parser.add_argument(
        "--input", metavar="JSON", help="extra input fields as a JSON object, e.g. '{\"seed\": 3}'"
    )
    parser.add_argument("--poll", default="1", help="poll policy: S, fixed:S or backoff:I,F,CAP")
    parser.add_argument("--timeout", type=float, default=600.0, help="job timeout in seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    add_request_timeout(parser)
    parser.set_defaults(handler=run)


def _body(args: argparse.Namespace, image_url: str) -> dict[str, Any]:
    extra: Any = {}
    if args.input:
        try:
            extra = json.loads(args.input)
        except ValueError as exc:
            raise UsageError(f"--input is not JSON: {exc}") from None
        if not isinstance(extra, dict):
            raise UsageError("--input must be a JSON object")
    return {"image_url": image_url, "prompt": args.prompt, **extra}


def _timeline(history: History) -> list[dict[str, Any]]:
    start = history.submit_sent
    return [
        {
            "sent": round(p.sent_at - start, 3),
            "received": round(p.received_at - start, 3),
            "status": p.status.status if p.status else None,
            "queue_position": p.status.queue_position if p.status else None,
            "error": p.error,
        }
        for p in history.polls
    ]


def run(args: argparse.Namespace) -> int:
    try:
        policy = parse_policy(args.poll)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    bounds = bounds_of(args)
    with (
        open_target(
            args.base_url, args.token, None, args.input_image_url, embedded_options(args)
        ) as target,
        Client(target.base_url, target.token, bounds=bounds) as client,
    ):
        ack, history = client.submit_timed(_body(args, target.input_image_url))
        timed_out = False
        try:
            client.wait(history, policy, timeout=args.timeout)
        except JobTimeout:
            timed_out = True
        result = client.result(ack.request_id)
    polls = _timeline(history)
    report = {
        "request_id": ack.request_id,
        "target": target.base_url,
        "polls": polls,
        "result": result.raw,
        "lost": timed_out,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(f"job {ack.request_id} on {target.base_url}")
        for row in polls:
            print(f"  +{row['received']:8.3f}s  {row['status'] or row['error']}")
        print(f"result: {result.status}  {result.image_url or result.error or ''}")
    if timed_out:
        print(f"job not finished after {args.timeout:g}s", file=sys.stderr)
        return 1
    return 0 if result.status == "succeeded" else 1
