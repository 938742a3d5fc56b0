"""Fault modes: each breaks exactly one contract rule, leaving the rest of the server conformant.

The registry names are a shared vocabulary: conformance checks are written to catch each one.
Faults that act "sometimes" are deterministic: they count reads or draw from a seeded RNG.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from harness.errors import UsageError

__all__ = ["FAULTS", "OPERATIONAL_FAULTS", "Fault", "FaultSet", "parse_fault", "parse_faults"]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    rule: str  # the CONTRACT.md rule it breaks
    level: str  # MUST / SHOULD / OBSERVE, or "operational" for reliability faults
    takes_value: bool = False


def _f(name: str, description: str, rule: str, level: str, takes_value: bool = False) -> Fault:
    return Fault(name, description, rule, level, takes_value)


_REJECT = "input breaking the schema is rejected with 4xx and creates no job"
_VALID = "valid input (validates against the input schema) is accepted with 200"
_SHAPES = "every response body validates against its documented shape"
_BACK = "states never go back; completed/cancelled stay put on every later read"
_CANCEL_Q = "cancel while queued: 202, outcome cancelled, then cancelled forever, never run"
_CANCEL_R = "cancel while in progress or finished: 202, outcome not_cancellable, job ends normally"

FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        _f(
            "accept_out_of_range",
            "integer bounds (num_inference_steps 2..50) not enforced",
            _REJECT,
            "MUST",
        ),
        _f(
            "accept_bad_enum",
            "enum values (resolution, output_format) not enforced",
            _REJECT,
            "MUST",
        ),
        _f("accept_bool_as_integer", "true/false accepted for integer fields", _REJECT, "MUST"),
        _f("reject_integral_float", "8.0 rejected (422) for integer fields", _VALID, "MUST"),
        _f(
            "server_error_on_bad_input",
            "schema violations answered 500 (JSON body, no job)",
            "...and rejected with 4xx rather than 5xx; with a JSON error body",
            "SHOULD",
        ),
        _f(
            "error_body_not_json",
            "error answers have a text/plain body",
            "...and rejected with 4xx rather than 5xx; with a JSON error body",
            "SHOULD",
        ),
        _f(
            "bad_error_code",
            "error_code's first three digits differ from the HTTP status",
            "numeric error_code whose first three digits are the HTTP status",
            "MUST",
        ),
        _f(
            "skip_auth",
            "missing/unknown tokens accepted",
            "a missing or wrong token is rejected with 4xx on every endpoint",
            "MUST",
        ),
        _f(
            "tenant_leak",
            "any valid token can read, fetch and cancel any tenant's job",
            "one token can neither read nor cancel another token's job",
            "MUST",
        ),
        _f(
            "unknown_request_500",
            "unknown request id answered 500",
            "an unknown request_id gets 4xx, never 200 or 5xx",
            "MUST",
        ),
        _f(
            "unknown_request_400",
            "unknown request id answered 400 (400001)",
            "...and that 4xx is 404",
            "SHOULD",
        ),
        _f(
            "status_goes_back",
            "a job in progress reports in_queue on every 2nd status read",
            _BACK,
            "MUST",
        ),
        _f(
            "terminal_unstable",
            "a completed job reads in_progress on every 2nd later read",
            _BACK,
            "MUST",
        ),
        _f("cancel_in_progress", "a running job can be cancelled", _CANCEL_R, "MUST"),
        _f(
            "lose_cancel",
            "queued cancel answers cancelled but the job still runs and completes",
            _CANCEL_Q,
            "MUST",
        ),
        _f(
            "cancel_409",
            "a non-cancellable job's cancel gets 409 instead of 202",
            _CANCEL_R,
            "MUST",
        ),
        _f(
            "wrong_status_word",
            "/status says running instead of in_progress",
            "status uses only the documented words of its endpoint",
            "MUST",
        ),
        _f(
            "missing_submit_url",
            "submit response lacks cancel_url",
            "the submit response carries all four documented fields",
            "MUST",
        ),
        _f(
            "wrong_submit_url",
            "submit's status_url names a different request id",
            "...and its URLs name the same request_id",
            "MUST",
        ),
        _f(
            "missing_queue_position",
            "no queue_position while in_queue",
            "queue_position is present while in_queue, an integer >= 0",
            "MUST",
        ),
        _f(
            "queue_position_grows",
            "a queued job's queue_position increases on each read",
            "queue_position never grows for a queued job",
            "SHOULD",
        ),
        _f(
            "result_404_while_pending",
            "/result answers 404 until the job is finished",
            "/result answers 200 with the current state while the job is not finished",
            "MUST",
        ),
        _f(
            "wrong_image_format",
            "image bytes are always PNG whatever output_format",
            "that image downloads, and its bytes are the requested output_format",
            "MUST",
        ),
        _f(
            "wrong_image_size",
            "output image is always 512x512",
            "its size fits the requested resolution",
            "SHOULD",
        ),
        _f(
            "missing_output_image",
            "succeeded result has output: {}",
            "a succeeded result carries the edited image",
            "MUST",
        ),
        _f("malformed_cancel_response", "cancel response lacks outcome", _SHAPES, "MUST"),
        _f(
            "text_content_type",
            "JSON answers say Content-Type: text/plain",
            "JSON responses say Content-Type: application/json",
            "SHOULD",
        ),
        _f(
            "lose_jobs",
            "every 3rd job stays in_progress forever",
            "a job finishes within the run's job timeout",
            "SHOULD",
        ),
        _f(
            "error_rate",
            "fraction P of answers replaced by 503 JSON errors (no job created)",
            "operational",
            "operational",
            True,
        ),
        _f("slow", "every answer delayed by S seconds", "operational", "operational", True),
        _f(
            "drop_rate",
            "fraction P of requests processed, then the connection closed unanswered",
            "operational",
            "operational",
            True,
        ),
    )
}

OPERATIONAL_FAULTS = frozenset(n for n, f in FAULTS.items() if f.takes_value)


def parse_fault(text: str) -> tuple[str, float | None]:
    """`NAME` or `NAME=VALUE` -> (name, value). Unknown names raise UsageError with the list."""
    name, sep, raw = text.strip().partition("=")
    fault = FAULTS.get(name)
    if fault is None:
        raise UsageError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    if not fault.takes_value:
        if sep:
            raise UsageError(f"fault {name!r} takes no value")
        return name, None
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"fault {name!r} needs a number, e.g. {name}=0.1") from None
    if value < 0 or (name != "slow" and value > 1):
        raise UsageError(f"fault {name!r}: value {raw!r} out of range")
    return name, value


def parse_faults(specs: Iterable[str]) -> dict[str, float | None]:
    """Several `NAME[=VALUE]` specs (e.g. repeated --fault flags) -> {name: value}."""
    return dict(parse_fault(s) for s in specs)


@dataclass
class FaultSet:
    """The active faults and their values, with the seeded RNG of the "sometimes" ones."""

    active: Mapping[str, float | None] = field(default_factory=dict)
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = [n for n in self.active if n not in FAULTS]
        if unknown:
            raise UsageError(f"unknown fault(s) {unknown}; known: {', '.join(sorted(FAULTS))}")
        self._rng = random.Random(self.seed ^ 0xFA17)

    @classmethod
    def parse(cls, specs: Iterable[str] = (), seed: int = 0) -> FaultSet:
        return cls(parse_faults(specs), seed)

    @classmethod
    def of(cls, *names: str, seed: int = 0, **values: float) -> FaultSet:
        return cls({**dict.fromkeys(names), **values}, seed)

    def __contains__(self, name: object) -> bool:
        return name in self.active

    def value(self, name: str, default: float = 0.0) -> float:
        v = self.active.get(name)
        return default if v is None else v

    def chance(self, name: str) -> bool:
        """A seeded draw for a rate fault: True with probability value(name)."""
        p = self.value(name)
        return p > 0 and self._rng.random() < p

    @property
    def delay(self) -> float:
        return self.value("slow")

    def __str__(self) -> str:
        return ",".join(n if v is None else f"{n}={v:g}" for n, v in self.active.items()) or "none"
