"""Queue depth, running jobs and throughput over time, rebuilt from the job records.

Each job's start and finish are interval midpoints (the report's point values), so these
curves carry the same detection-bound uncertainty as the per-job figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.load.measure.jobs import JobRecord

__all__ = ["Timeline", "build_timeline", "max_concurrent_running", "saturated_throughput"]


@dataclass(frozen=True)
class Timeline:
    t: list[float]  # seconds since the first submit
    queued: list[int]
    running: list[int]
    completions_per_s: list[float]
    submits_per_s: list[float]


def _points(rec: JobRecord) -> tuple[float, float | None, float | None]:
    start = rec.interval("started")
    finish = rec.interval("finished")
    return (
        rec.submit_acked,
        None if start is None else start.point,
        None if finish is None else finish.point,
    )


def build_timeline(records: Sequence[JobRecord], step: float = 0.5) -> Timeline:
    jobs = [r for r in records if r.request_id is not None]
    if not jobs:
        return Timeline([], [], [], [], [])
    origin = min(r.submit_sent for r in jobs)
    end = max(max(r.terminal_seen or r.submit_acked, r.submit_acked) for r in jobs)
    points = [_points(r) for r in jobs]
    ts, queued, running, done, subs = [], [], [], [], []
    t = origin
    while t <= end + step:
        q = sum(1 for c, s, f in points if c <= t and (s or f or float("inf")) > t)
        r = sum(1 for _, s, f in points if s is not None and s <= t and (f or float("inf")) > t)
        d = sum(1 for _, _, f in points if f is not None and t - step < f <= t)
        n = sum(1 for c, _, _ in points if t - step < c <= t)
        ts.append(t - origin)
        queued.append(q)
        running.append(r)
        done.append(d / step)
        subs.append(n / step)
        t += step
    return Timeline(ts, queued, running, done, subs)


def max_concurrent_running(records: Sequence[JobRecord]) -> int:
    """Most jobs *certainly* running at once: each counted only between the latest its start
    can be and the earliest its finish can be, so this never exceeds the true parallelism."""
    events: list[tuple[float, int]] = []
    for rec in records:
        start, finish = rec.interval("started"), rec.interval("finished")
        if start is not None and finish is not None and start.upper < finish.lower:
            events += [(start.upper, 1), (finish.lower, -1)]
    peak = level = 0
    for _, delta in sorted(events):  # a finish sorts before a start at the same instant
        level += delta
        peak = max(peak, level)
    return peak


def _queue_periods(records: Sequence[JobRecord]) -> list[tuple[float, float]]:
    """Spans during which at least one accepted job waited in the queue (point values)."""
    events: list[tuple[float, int]] = []
    for c, s, f in (_points(r) for r in records if r.request_id is not None):
        left = s if s is not None else f
        if left is not None and left > c:
            events += [(c, 1), (left, -1)]
    periods, level, opened = [], 0, 0.0
    for t, delta in sorted(events, key=lambda e: (e[0], e[1])):
        if level == 0 and delta > 0:
            opened = t
        level += delta
        if level == 0:
            periods.append((opened, t))
    return periods


def saturated_throughput(records: Sequence[JobRecord], *, min_finishes: int = 10) -> float | None:
    """Completions per second while a queue stood (every server busy), or None when no queue
    stood long enough to say (fewer than `min_finishes` finishes inside queue periods).

    Finishes inside the periods divided by the periods' total length: the servers' own rate,
    not diluted by idle time between the periods."""
    periods = _queue_periods(records)
    finishes = [f for _, s, f in (_points(r) for r in records) if s is not None and f is not None]
    inside = sum(1 for f in finishes if any(a < f < b for a, b in periods))
    span = sum(b - a for a, b in periods)
    if inside < min_finishes or span <= 0:
        return None
    return inside / span
