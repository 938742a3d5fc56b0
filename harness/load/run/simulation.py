"""What `simulate` answers: a fleet's queue waits at a rate, or the fewest GPUs that meet a
p95 target, from parameters or from a load report's measured jobs; beside the M/G/c formula's
figure at the same scale, so its distance from the simulation is on the page.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.load.measure.capacity import CapacityModel
from harness.model.fleet import Arrivals, Fleet, ServiceLaw, simulate, workers_for

__all__ = ["REPORT_VERSION", "Question", "measured_jobs", "simulation_report"]

REPORT_VERSION = 1
_FORMULA_SEARCH_LIMIT = 100_000


@dataclass(frozen=True)
class Question:
    """One simulation: the fleet (or the target it must meet), the jobs and their arrivals."""

    fleet: Fleet
    law: ServiceLaw
    arrivals: Arrivals
    jobs: int = 100_000
    seed: int = 0
    q: float = 0.95
    target_wait: float | None = None  # set: find the fewest workers meeting it
    max_workers: int = 10_000


def measured_jobs(path: Path, scenario: str | None = None) -> tuple[list[float], list[float]]:
    """(service times, submit times) of a load report's completed jobs: run-time point values
    and the submit times of every accepted job."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
        sections: dict[str, Any] = report["scenarios"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path}: not a load report ({type(exc).__name__})") from None
    names = [scenario] if scenario else list(sections)
    services: list[float] = []
    submits: list[float] = []
    for name in names:
        if name not in sections:
            raise UsageError(f"{path}: no scenario {name!r} (has: {', '.join(sections)})")
        for job in sections[name].get("jobs", []):
            if not isinstance(job, dict) or job.get("request_id") is None:
                continue
            submits.append(float(job["submit_sent"]))
            run = job.get("intervals", {}).get("run_time")
            if job.get("outcome") == "completed" and run:
                services.append((float(run[0]) + float(run[1])) / 2)
    if len(services) < 2 or len(submits) < 2:
        raise UsageError(f"{path}: fewer than 2 completed jobs with a run time to learn from")
    return services, sorted(submits)


def _formula(question: Question, workers: int) -> dict[str, Any]:
    """The closed form at the same scale (Poisson arrivals unless constant)."""
    cv2a = 0.0 if question.arrivals.process == "constant" else 1.0
    rate = question.arrivals.mean_rate
    model = CapacityModel(workers, question.law.expected, question.law.cv2, cv2a)
    wait = model.wait_quantile(rate, question.q)
    need = None
    if question.target_wait is not None:
        need = next(
            (c for c in range(max(1, math.floor(rate * model.mean_service)), _FORMULA_SEARCH_LIMIT)
             if CapacityModel(c, model.mean_service, model.cv2_service, cv2a).wait_quantile(
                 rate, question.q) <= question.target_wait),
            None,
        )  # fmt: skip
    return {"wait_quantile": None if math.isinf(wait) else wait, "workers_for_target": need}


def simulation_report(question: Question) -> dict[str, Any]:
    started = time.perf_counter()
    workers, found = question.fleet.workers, None
    if question.target_wait is not None:
        found = workers_for(
            question.target_wait, question.fleet, question.law, question.arrivals,
            q=question.q, jobs=question.jobs, seed=question.seed, limit=question.max_workers,
        )  # fmt: skip
        workers = found or question.max_workers
    run = simulate(
        question.fleet.with_workers(workers), question.law, question.arrivals, question.jobs,
        question.seed,
    )  # fmt: skip
    waits = run.summary(question.q)
    formula = _formula(question, workers)
    simulated = waits.p95
    error = absolute = None
    if formula["wait_quantile"] is not None:
        absolute = formula["wait_quantile"] - simulated
        error = absolute / simulated if simulated > 0 else None
    answer: dict[str, Any] = {"workers": workers, "wait_quantile": simulated}
    if question.target_wait is not None:
        answer["target_met"] = found is not None
        answer["workers_for_target"] = found
    return {
        "report": "chronoedit-harness simulate",
        "version": REPORT_VERSION,
        "generated_at": time.time(),
        "question": {
            "quantile": question.q,
            "target_wait": question.target_wait,
            "jobs": run.jobs,
            "seed": question.seed,
            "max_workers": question.max_workers,
            "fleet": asdict(question.fleet),
            "service": {
                "mean": question.law.expected,
                "cv": math.sqrt(question.law.cv2),
                "family": "measured" if question.law.samples else question.law.family,
                "samples": len(question.law.samples),
            },
            "arrivals": {
                **asdict(question.arrivals),
                "times": len(question.arrivals.times),
                "mean_rate": question.arrivals.mean_rate,
            },
        },
        "answer": answer,
        "waits": asdict(waits),
        "fleet": {
            "offered_rate": run.offered_rate,
            "capacity": workers / question.law.expected,
            "utilisation": run.utilisation,
            "cold_starts": int(run.cold.sum()),
            "failed": int(run.failed.sum()),
        },
        "formula": {
            **formula,
            "relative_error": error,
            "absolute_error": absolute,
            "model": "M/G/c: Erlang C with the Allen-Cunneen correction",
        },
        "seconds": time.perf_counter() - started,
    }
