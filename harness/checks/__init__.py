"""The check catalog: each check a registered function with an id and the id of its rule.

Importing this package registers every check (in run order) in `CHECKS`.
"""

# Import order is run order: `shapes` and `transport` last, so they see every probe too.
from harness.checks import (  # noqa: F401
    access,
    cancel,
    inputs,
    lifecycle,
    output,
    races,
    shapes,
    timestamps,
    transport,
)
from harness.checks.context import CheckContext, Image
from harness.checks.ledger import JobEntry, JobLedger
from harness.checks.observations import CancelTry, JobRecord, Observations, Read, endpoint_of
from harness.checks.registry import (
    CHECKS,
    Check,
    Finding,
    Level,
    Outcome,
    Verdict,
    check,
    failed,
    observed,
    passed,
    sample,
    skipped,
)

__all__ = [
    "CHECKS",
    "CancelTry",
    "Check",
    "CheckContext",
    "Finding",
    "Image",
    "JobEntry",
    "JobLedger",
    "JobRecord",
    "Level",
    "Observations",
    "Outcome",
    "Read",
    "Verdict",
    "check",
    "endpoint_of",
    "failed",
    "observed",
    "passed",
    "sample",
    "skipped",
]
