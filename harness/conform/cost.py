"""GPU time: what a job's input asks of a GPU, and what a run will use and used.

A paid API bills GPU time, so a run states it before (planned) and after (used). The estimate
scales the public figure for this model (a default job, 8 steps at 480p with prompt
expansion, takes about 10 s) by what the body asks for: inference steps, the 720p factor,
and the prompt-expansion call. It is an estimate from the client's side: "used" counts a job
that was seen running or finished at its estimate, and a job cancelled while queued at zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["DEFAULT_JOB_SECONDS", "RunCost", "job_seconds"]

DEFAULT_JOB_SECONDS = 10.0  # a default job: 8 steps, 480p, prompt expansion
DEFAULT_STEPS = 8
FACTOR_720P = 2.2  # a 720p step costs about 2.2 480p steps (pixel area ~1.9x, plus overhead)
EXPANSION_STEPS = 1.5  # the prompt-expansion call, in 480p steps
_STEP = DEFAULT_JOB_SECONDS / (DEFAULT_STEPS + EXPANSION_STEPS)


def _steps(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return DEFAULT_STEPS
    return min(50.0, max(2.0, float(value)))


def job_seconds(body: Any) -> float:
    """Estimated GPU seconds of one job with this submit body (defaults for what it omits)."""
    fields = body if isinstance(body, dict) else {}
    steps = _steps(fields.get("num_inference_steps", DEFAULT_STEPS))
    hd = fields.get("resolution") == "720p"
    expand = fields.get("enable_prompt_expansion", True) is not False
    return _STEP * (steps * (FACTOR_720P if hd else 1.0) + (EXPANSION_STEPS if expand else 0.0))


@dataclass(frozen=True)
class RunCost:
    """Estimated GPU seconds: planned to run, at most (no queued cancel lands), and used."""

    planned: float
    worst: float
    used: float | None = None
    ran: int = 0  # jobs seen running or finished (not cancelled while queued)
    spared: int = 0  # jobs cancelled while queued: accepted, never run

    @classmethod
    def plan(cls, run: Iterable[Any], spare: Iterable[Any]) -> RunCost:
        """`run`: bodies meant to run to the end; `spare`: bodies to cancel while queued."""
        kept = sum(job_seconds(b) for b in run)
        return cls(kept, kept + sum(job_seconds(b) for b in spare))

    def after(self, ran: Iterable[Any], spared: int) -> RunCost:
        bodies = list(ran)
        used = sum(job_seconds(b) for b in bodies)
        return RunCost(self.planned, self.worst, used, len(bodies), spared)

    def to_dict(self) -> dict[str, Any]:
        return {
            "estimated_gpu_seconds": round(self.planned, 1),
            "at_most_gpu_seconds": round(self.worst, 1),
            "used_gpu_seconds": None if self.used is None else round(self.used, 1),
            "jobs_ran": self.ran,
            "jobs_cancelled_while_queued": self.spared,
            "basis": f"a default job (8 steps, 480p, prompt expansion) ~{DEFAULT_JOB_SECONDS:g} s",
        }
