"""The reference client: typed calls over one injected httpx client, with polling policies."""

from harness.client.aio import AsyncClient
from harness.client.base import Reply
from harness.client.bounds import DEFAULT_BOUNDS, Bounds
from harness.client.policies import ExponentialBackoff, FixedInterval, PollPolicy, parse_policy
from harness.client.protocol import DEFAULT_BASE_URL, MODEL_ID, Call
from harness.client.records import (
    CancelAck,
    History,
    JobResult,
    JobStatus,
    Poll,
    RunOutcome,
    SubmitAck,
)
from harness.client.retry import RetryPolicy
from harness.client.sync import Client
from harness.client.vocabulary import Phase, is_terminal, phase_of

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_BOUNDS",
    "MODEL_ID",
    "AsyncClient",
    "Bounds",
    "Call",
    "CancelAck",
    "Client",
    "ExponentialBackoff",
    "FixedInterval",
    "History",
    "JobResult",
    "JobStatus",
    "Phase",
    "Poll",
    "PollPolicy",
    "Reply",
    "RetryPolicy",
    "RunOutcome",
    "SubmitAck",
    "is_terminal",
    "parse_policy",
    "phase_of",
]
