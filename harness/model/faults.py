"""Fault modes: each breaks the contract rule(s) it names, leaving the rest of the server
conformant.

The registry names are a shared vocabulary: conformance checks are proven against each one. A
fault names rules by id (`harness.rules`); their text and level live only in the rules table.
`breaks` are the rules the fault violates: every check of those rules must fail under it.
`also` are rules it breaks only as a direct consequence (an undocumented status word also breaks
the status schema): their checks may fail under it without being false positives. A fault that
breaks no rule is operational (transport noise the checks must tolerate).
Faults that act "sometimes" are deterministic: they count reads or draw from a seeded RNG.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from harness.errors import UsageError
from harness.rules import LEVELS, Level, Rule, rule

__all__ = ["FAULTS", "OPERATIONAL_FAULTS", "Fault", "FaultSet", "parse_fault", "parse_faults"]


@dataclass(frozen=True)
class Fault:
    name: str
    description: str
    breaks: tuple[str, ...] = ()  # rule ids it violates; () for an operational fault
    also: tuple[str, ...] = ()  # rule ids it may break as a direct consequence
    takes_value: bool = False

    def __post_init__(self) -> None:
        for rule_id in (*self.breaks, *self.also):
            rule(rule_id)  # an unknown id fails at import, with the ids known

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(rule(r) for r in self.breaks)

    @property
    def level(self) -> Level | None:
        """The strongest level among the rules it breaks; None for an operational fault."""
        levels = {r.level for r in self.rules}
        return next((level for level in LEVELS if level in levels), None)


def _f(name: str, description: str, *breaks: str, also: tuple[str, ...] = ()) -> Fault:
    return Fault(name, description, breaks, also)


def _op(name: str, description: str) -> Fault:
    return Fault(name, description, takes_value=True)


# Without `outcome` no cancel can be judged: every cancel rule fails with it too.
_CANCEL_RULES = ("cancel.queued", "cancel.in-progress", "cancel.finished", "cancel.race",
                 "cancel.at-start")  # fmt: skip

FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        _f(
            "accept_out_of_range",
            "integer bounds (num_inference_steps 2..50) not enforced",
            "input.invalid-rejected",
        ),
        _f(
            "accept_bad_enum",
            "enum values (resolution, output_format) not enforced",
            "input.invalid-rejected",
        ),
        _f(
            "accept_bool_as_integer",
            "true/false accepted for integer fields",
            "input.invalid-rejected",
        ),
        _f(
            "reject_integral_float",
            "8.0 rejected (422) for integer fields",
            "input.valid-accepted",
        ),
        _f(
            "server_error_on_bad_input",
            "schema violations answered 500 (JSON body, no job)",
            "input.invalid-4xx-json",
        ),
        _f(
            "error_body_not_json",
            "error answers have a text/plain body",
            "input.invalid-4xx-json",
            also=("response.error-shape",),  # a text body carries no error_code either
        ),
        _f(
            "bad_error_code",
            "error_code's first three digits differ from the HTTP status",
            "response.error-shape",
        ),
        _f("skip_auth", "missing/unknown tokens accepted", "auth.token-required"),
        _f(
            "tenant_leak",
            "any valid token can read, fetch and cancel any tenant's job",
            "tenant.isolation",
        ),
        _f(
            "unknown_request_500",
            "unknown request id answered 500",
            "request.unknown-4xx",
            also=("request.unknown-404",),  # a 500 is not a 404 either
        ),
        _f(
            "unknown_request_400",
            "unknown request id answered 400 (400001)",
            "request.unknown-404",
        ),
        _f(
            "status_goes_back",
            "a job in progress reports in_queue on every 2nd status read",
            "lifecycle.monotonic",
        ),
        _f(
            "terminal_unstable",
            "a completed job reads in_progress on every 2nd later read",
            "lifecycle.terminal-stable",
            also=("lifecycle.monotonic",),  # completed -> in_progress also goes back
        ),
        _f(
            "cancel_in_progress",
            "a running job can be cancelled",
            "cancel.in-progress",
            "cancel.at-start",
        ),
        _f(
            "lose_cancel",
            "queued cancel answers cancelled but the job still runs and completes",
            "cancel.queued",
            "cancel.race",
        ),
        _f(
            "cancel_409",
            "a non-cancellable job's cancel gets 409 instead of 202",
            "cancel.in-progress",
            "cancel.finished",
            "cancel.race",
            "cancel.at-start",
            also=("request.known-answered",),  # a 409 about a job it acknowledged
        ),
        _f(
            "wrong_status_word",
            "/status says running instead of in_progress",
            "status.words",
            also=("response.schema",),  # the status schemas enumerate the documented words
        ),
        _f(
            "missing_submit_url",
            "submit response lacks cancel_url",
            "response.schema",
            "submit.fields",
        ),
        _f(
            "wrong_submit_url",
            "submit's status_url names a different request id",
            "submit.fields",
        ),
        _f(
            "missing_queue_position",
            "no queue_position while in_queue",
            "status.queue-position",
            "response.schema",
        ),
        _f(
            "queue_position_grows",
            "a queued job's queue_position increases on each read",
            "status.queue-position-monotonic",
        ),
        _f(
            "result_404_while_pending",
            "/result answers 404 until the job is finished",
            "result.while-pending",
            also=("request.known-answered",),  # a 404 about a job it acknowledged
        ),
        _f(
            "wrong_image_format",
            "image bytes are always PNG whatever output_format",
            "output.format",
        ),
        _f("wrong_image_size", "output image is always 512x512", "output.size"),
        _f("missing_output_image", "succeeded result has output: {}", "output.image"),
        _f(
            "malformed_cancel_response",
            "cancel response lacks outcome",
            "response.schema",
            also=_CANCEL_RULES,
        ),
        _f(
            "text_content_type",
            "JSON answers say Content-Type: text/plain",
            "response.content-type-json",
        ),
        _f("lose_jobs", "every 3rd job stays in_progress forever", "lifecycle.job-finishes"),
        # Faults of issue 9: each shows only to a run that judges every answer, asks for
        # evidence before excusing an outcome, or makes a job join behind a watched one.
        _f(
            "forget_running",
            "/status of a job in progress answers 404 on every 2nd read",
            "request.known-answered",
        ),
        _f(
            "refuse_queued_cancel",
            "a queued job's cancel answers not_cancellable and the job stays queued",
            "cancel.queued",
            "cancel.race",
        ),
        _f(
            "queue_position_from_tail",
            "queue_position counts the jobs behind a queued job (it grows as jobs join)",
            "status.queue-position-monotonic",
        ),
        _f(
            "cancel_text_body",
            "the cancel's 202 answer is plain text, not JSON",
            "response.schema",
            also=(*_CANCEL_RULES, "response.content-type-json"),
        ),
        _f(
            "unknown_request_text",
            "an unknown request id gets 404 with a text/plain body",
            "response.error-shape",
        ),
        _op("error_rate", "fraction P of answers replaced by 503 JSON errors (no job created)"),
        _op("slow", "every answer delayed by S seconds"),
        _op("drop_rate", "fraction P of requests processed, then the connection closed unanswered"),
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
