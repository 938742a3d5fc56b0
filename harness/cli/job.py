"""`chronoedit-harness job`: submit one job, follow it to the end, print what was seen.

The smallest useful thing the harness does, and a smoke test of a target: one billable job.
Nothing is orphaned: the request id goes to stderr the moment the submit is answered, and a
job left unfinished (Ctrl-C, the job timeout, an error while following it) is cancelled, with
the cancel's outcome said (cancelled, not_cancellable or failed).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any

from harness.cli.options import (
    add_job_timeout,
    add_poll_interval,
    add_request_timeout,
    add_target_options,
    bounds_of,
    embedded_options,
    positive_seconds,
    refuse_emulator_options_remotely,
)
from harness.client import Client, FixedInterval, History, PollPolicy, parse_policy
from harness.errors import HarnessError, JobTimeout, UsageError
from harness.evidence import Exchange
from harness.secrets import Token
from harness.target import open_target

__all__ = ["EXIT_INTERRUPTED", "register"]

EXIT_INTERRUPTED = 130
_SUBMIT_PATH = "/v1/models/"


def register(sub: Any, *, name: str, help: str) -> None:
    parser = sub.add_parser(name, help=help, description=help)
    add_target_options(parser)
    parser.add_argument(
        "--prompt",
        default="Turn the ankle socks into knee-high socks.",
        help="(default: %(default)r)",
    )
    parser.add_argument(
        "--input", metavar="JSON", help="extra input fields as a JSON object, e.g. '{\"seed\": 3}'"
    )
    add_poll_interval(parser, default=1.0)
    parser.add_argument(
        "--poll-policy",
        metavar="P",
        help="instead of a fixed interval: fixed:S or backoff:INITIAL,FACTOR,CAP[,JITTER]",
    )
    parser.add_argument("--poll", dest="poll_policy", help=argparse.SUPPRESS)  # old spelling
    add_job_timeout(parser, default=600.0)
    old_timeout = {"type": positive_seconds, "default": 600.0, "help": argparse.SUPPRESS}
    parser.add_argument("--timeout", dest="job_timeout", **old_timeout)  # old spelling
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


def _policy(args: argparse.Namespace) -> PollPolicy:
    if args.poll_policy is None:
        return FixedInterval(args.poll_interval)
    try:
        return parse_policy(args.poll_policy)
    except ValueError as exc:
        raise UsageError(f"--poll-policy: {exc}") from None


@dataclass
class _Submitted:
    """Exchange listener: catches the request id the moment the submit's answer arrives
    (before the client has even parsed it) and says it on stderr."""

    request_id: str | None = None

    def __call__(self, exchange: Exchange) -> None:
        if self.request_id is not None or exchange.method != "POST":
            return
        if _SUBMIT_PATH not in exchange.url or not 200 <= (exchange.status_code or 0) < 300:
            return
        data = exchange.response_data
        rid = data.get("request_id") if isinstance(data, dict) else None
        if isinstance(rid, str) and rid:
            self.request_id = rid
            print(f"request_id {rid}", file=sys.stderr, flush=True)


def _cancel(client: Client, request_id: str, token: Token | None) -> str:
    """Cancel the job; the outcome in one word (cancelled, not_cancellable) or `failed: why`."""
    try:
        # a cleanup cancel: bounded by the cleanup budget as well as the request deadline
        bounds = client.bounds
        ack = client.cancel(request_id, timeout=min(bounds.cleanup_timeout, bounds.request_timeout))
    except HarnessError as exc:
        text = str(exc)
        return "failed: " + (token.scrub(text) if token is not None else text)
    return ack.outcome or "failed: the answer said no outcome"


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


@dataclass
class _Run:
    history: History | None = None
    result: Any = None
    ended: str = "finished"  # finished | timeout | interrupted | error
    cancel: str | None = None
    error: str | None = None


def _follow(
    client: Client, submitted: _Submitted, body: dict[str, Any], args: argparse.Namespace
) -> _Run:
    run = _Run()
    try:
        ack, run.history = client.submit_timed(body)
        submitted.request_id = submitted.request_id or ack.request_id
        client.wait(run.history, _policy(args), timeout=args.job_timeout)
        run.result = client.result(ack.request_id)
        return run
    except JobTimeout:
        run.ended = "timeout"
    except KeyboardInterrupt:
        run.ended = "interrupted"
    except HarnessError as exc:
        token = client.token
        run.ended, run.error = "error", token.scrub(str(exc)) if token else str(exc)
    if submitted.request_id is not None:
        try:
            run.cancel = _cancel(client, submitted.request_id, client.token)
        except KeyboardInterrupt:  # a second Ctrl-C: stop at once
            run.ended, run.cancel = "interrupted", "failed: interrupted before an answer"
        print(f"cancel of job {submitted.request_id}: {run.cancel}", file=sys.stderr, flush=True)
    elif run.ended == "interrupted":
        print("interrupted before the submit was answered: a job may exist", file=sys.stderr)
    return run


def run(args: argparse.Namespace) -> int:
    refuse_emulator_options_remotely(args)
    _policy(args)
    _body(args, "")  # a bad --input fails here, before any job
    submitted = _Submitted()
    with (
        open_target(
            args.base_url, args.token, None, args.input_image_url, embedded_options(args)
        ) as target,
        Client(
            target.base_url, target.token, listeners=[submitted], bounds=bounds_of(args)
        ) as client,
    ):
        outcome = _follow(client, submitted, _body(args, target.input_image_url), args)
    if submitted.request_id is not None:  # no job, nothing to show but the reason
        _print(args, target.base_url, submitted.request_id, outcome)
    if outcome.ended == "interrupted":
        return EXIT_INTERRUPTED
    if outcome.ended == "error":
        raise HarnessError(str(outcome.error))
    if outcome.ended == "timeout":
        print(f"job not finished after {args.job_timeout:g}s", file=sys.stderr)
        return 1
    return 0 if outcome.result is not None and outcome.result.status == "succeeded" else 1


def _print(args: argparse.Namespace, base_url: str, rid: str | None, outcome: _Run) -> None:
    polls = _timeline(outcome.history) if outcome.history is not None else []
    result = outcome.result
    if args.json:
        report = {
            "request_id": rid,
            "target": base_url,
            "polls": polls,
            "result": result.raw if result is not None else None,
            "lost": outcome.ended == "timeout",
            "ended": outcome.ended,
            "cancel": outcome.cancel,
        }
        print(json.dumps(report, indent=2))
        return
    print(f"job {rid} on {base_url}")
    for row in polls:
        print(f"  +{row['received']:8.3f}s  {row['status'] or row['error']}")
    if result is not None:
        print(f"result: {result.status}  {result.image_url or result.error or ''}")
