"""The master's last duty to a worker that died: cancel the jobs it submitted and never reported.

The server may still hold them queued, and would run them at the user's cost. The master
knows each one's request_id (a worker names a job the moment the server accepts it), so it
sends the cancel itself, within one shared time budget, and books each outcome on the job's
record (`cleanup`), as a worker does for its own queued jobs at the run's end. A job already
running or finished answers `not_cancellable`: harmless, and said so in the report.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import httpx

from harness.client.bounds import DEFAULT_BOUNDS
from harness.client.sync import Client
from harness.errors import HarnessError
from harness.load.measure.jobs import JobRecord
from harness.secrets import TOKEN_ENV, Token

__all__ = ["cancel_orphans"]


def cancel_orphans(
    base_url: str,
    records: Sequence[JobRecord],
    *,
    budget: float = DEFAULT_BOUNDS.cleanup_timeout,
    http: httpx.Client | None = None,
) -> None:
    """Cancel each record's job (those with a request_id and no cleanup yet) within `budget`
    seconds in all; the token comes from this process's environment."""
    todo = [r for r in records if r.request_id is not None and r.cleanup is None]
    if not todo:
        return
    if not base_url:  # a plain `locust --master` started without --host
        for rec in todo:
            rec.cleanup = "not sent: the master has no --host"
        return
    token = Token.from_env_or(None)
    if token is None:  # a master started without the token: say so, send nothing
        for rec in todo:
            rec.cleanup = f"not sent: no {TOKEN_ENV} in the master's environment"
        return
    client = Client(base_url, token, http=http)
    end = time.monotonic() + budget
    with client:
        for rec in todo:
            rec.cleanup = _cancel(client, str(rec.request_id), end - time.monotonic())


def _cancel(client: Client, request_id: str, left: float) -> str:
    if left <= 0:
        return "not sent: cleanup time spent"
    try:
        ack = client.cancel(request_id, timeout=min(left, client.bounds.request_timeout))
    except HarnessError as exc:
        return f"error: {type(exc).__name__}"
    return ack.outcome or "answered without an outcome"
