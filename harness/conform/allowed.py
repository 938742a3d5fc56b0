"""What the contract allows next, from what a job's answers said so far (no server model).

A small, independent statement of the contract's MUST rules for one job, used by the stateful
exploration (`explore`): each answer is judged against the facts gathered from the answers
before it, then added to them. It knows nothing of queues, GPUs or service times, only what a
client may conclude: a state never goes back, a terminal word stays, a cancel that said
`cancelled` means the job never runs, `not_cancellable` means it is running or finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.client.vocabulary import RESULT_WORDS, STATUS_WORDS, Phase, phase_of

__all__ = ["CANCEL_OUTCOMES", "JobFacts", "judge_cancel", "judge_foreign", "judge_read"]

CANCEL_OUTCOMES = ("cancelled", "not_cancellable")
_SUCCESS = {"status": 200, "result": 200, "cancel": 202}
_WORDS = {"status": STATUS_WORDS, "result": RESULT_WORDS}


@dataclass
class JobFacts:
    """What the answers about one job established so far."""

    owner: int
    rank: int = -1  # the highest life-cycle rank read (0 queued, 1 running, 2 finished)
    terminal: dict[str, str] | None = None  # endpoint -> the first terminal word it said
    cancelled: bool = False  # a cancel answered `cancelled`
    refused: bool = False  # a cancel answered `not_cancellable` before any said `cancelled`
    position: int | None = None  # the last queue_position read

    def __post_init__(self) -> None:
        if self.terminal is None:
            self.terminal = {}


def _success(endpoint: str, status: int, body: Any) -> str | None:
    if status != _SUCCESS[endpoint]:
        return f"{endpoint} of the owner's own job answered HTTP {status}, not {_SUCCESS[endpoint]}"
    if not isinstance(body, dict):
        return f"{endpoint} answered a body that is not a JSON object"
    return None


def judge_read(facts: JobFacts, endpoint: str, status: int, body: Any) -> str | None:
    """The broken rule, or None; `facts` learns from an answer that broke nothing."""
    problem = _success(endpoint, status, body)
    if problem:
        return problem
    word = body.get("status")
    if word not in _WORDS[endpoint]:
        return f"/{endpoint} said status {word!r}, not one of its documented words"
    phase = phase_of(word)
    assert facts.terminal is not None
    first = facts.terminal.get(endpoint)
    if first is not None and word != first:
        return f"/{endpoint} said {first}, later {word}: a terminal state must stay put"
    if facts.cancelled and phase is not Phase.CANCELLED:
        return f"a cancel said cancelled, yet /{endpoint} says {word}"
    if phase.rank < facts.rank:
        return (
            f"/{endpoint} said {word} after the job was seen further on (or refused a cancel "
            "as running): states never go back"
        )
    if facts.refused and phase is Phase.CANCELLED:
        return f"a cancel said not_cancellable, yet /{endpoint} says cancelled"
    if endpoint == "status" and phase is Phase.QUEUED:
        pos = body.get("queue_position")
        if isinstance(pos, bool) or not isinstance(pos, int) or pos < 0:
            return f"in_queue with queue_position {pos!r}, not an integer >= 0"
        facts.position = pos
    facts.rank = max(facts.rank, phase.rank)
    if phase.terminal:
        facts.terminal[endpoint] = word
    return None


def judge_cancel(facts: JobFacts, status: int, body: Any) -> str | None:
    """The owner's cancel: 202 and an allowed outcome given what was read before it."""
    problem = _success("cancel", status, body)
    if problem:
        return problem
    outcome = body.get("outcome")
    if outcome not in CANCEL_OUTCOMES:
        return f"cancel outcome {outcome!r}, not one of {CANCEL_OUTCOMES}"
    if outcome == "cancelled":
        if facts.rank >= 1 and not facts.cancelled:  # also: an earlier cancel was refused
            return "cancel said cancelled, but the job had been read in progress or finished"
        facts.cancelled = True
        facts.rank = max(facts.rank, 2)
    elif not facts.cancelled:
        facts.refused = True
        facts.rank = max(facts.rank, 1)
    return None


def judge_foreign(endpoint: str, status: int) -> str | None:
    """Another tenant's token on this job (or any token on an unknown id): 4xx, never 2xx/5xx."""
    if 400 <= status < 500:
        return None
    return f"{endpoint} answered HTTP {status} where a 4xx is due"
