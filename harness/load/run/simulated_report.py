"""A simulated fleet run as a load report: the same typed model (and so the same JSON, HTML
and console writers) as a live run, built from the simulator's exact times.

The simulator knows each transition exactly, so every interval has zero width; its jobs are
numbered `sim-N` and start at the Unix epoch. Only the first `limit` jobs are turned into
records (a million-job run's answers are in the simulate report; this is its picture).
"""

from __future__ import annotations

from typing import Any

from harness.client.records import History, JobStatus, Poll
from harness.load.measure.accounting import Bucket
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults
from harness.load.run.report import build_report
from harness.load.run.report_model import LoadReport
from harness.model.fleet import FleetRun

__all__ = ["SCENARIO", "as_load_report"]

SCENARIO = "simulated"


def _record(i: int, arrival: float, start: float, finish: float, failed: bool) -> JobRecord:
    point = {
        "queue_wait": start - arrival, "run_time": finish - start,
        "end_to_end": finish - arrival, "detection_delay": 0.0,
        "started": start, "finished": finish,
    }  # fmt: skip
    outcome = Bucket.FAILED if failed else Bucket.COMPLETED
    rid = f"sim-{i}"
    # two exact reads: the start and the end, each seen the instant it happened
    seen = [Poll(start, start, _status(rid, "in_progress")),
            Poll(finish, finish, _status(rid, "completed"))]  # fmt: skip
    return JobRecord(
        SCENARIO, "exact", arrival, arrival, arrival, request_id=rid,
        history=History(rid, arrival, arrival, seen, intended_at=arrival, policy="exact"),
        outcome=outcome.value, final_status=outcome.value,
        intervals={k: (v, v) for k, v in point.items()},
    )  # fmt: skip


def _status(request_id: str, status: str) -> JobStatus:
    return JobStatus.parse({"request_id": request_id, "status": status})


def as_load_report(
    run: FleetRun, *, target_wait: float, settings: dict[str, Any], limit: int = 5000
) -> LoadReport:
    n = min(limit, run.jobs)
    results = RunResults(SCENARIO, settings={**settings, "simulated_jobs": run.jobs})
    columns = (run.arrival[:n], run.start[:n], run.finish[:n], run.failed[:n])
    for i, (a, s, f, bad) in enumerate(zip(*(c.tolist() for c in columns), strict=True)):
        results.add(_record(i, a, s, f, bad))
    results.submits_sent = n
    results.started_at, results.ended_at = float(run.arrival[0]), float(run.finish[:n].max())
    return build_report(
        {SCENARIO: [results]}, base_url="simulation", embedded=False, target_wait=target_wait,
        settings=settings,
    )  # fmt: skip
