"""chronoedit-harness: conformance and load testing for RunComfy's `nvidia/chrono-edit/lora` API.

This package's top level never imports Locust (it monkey-patches the process with gevent);
load testing lives in `harness.load` and runs in its own process.
"""

from harness.client import (
    AsyncClient,
    Client,
    ExponentialBackoff,
    FixedInterval,
    History,
    Phase,
    RetryPolicy,
)
from harness.errors import ApiError, HarnessError, JobTimeout, SchemaViolation, TransportError
from harness.secrets import Token

__all__ = [
    "ApiError",
    "AsyncClient",
    "Client",
    "ExponentialBackoff",
    "FixedInterval",
    "HarnessError",
    "History",
    "JobTimeout",
    "Phase",
    "RetryPolicy",
    "SchemaViolation",
    "Token",
    "TransportError",
]

__version__ = "0.1.0"
