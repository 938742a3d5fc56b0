"""The server's own timestamps beside the client's figures (docs/metrics.md): descriptive only.

Per job, `finished_at - created_at` is a difference of two server readings, so it does not
depend on the server's clock offset: it should lie inside the client's end-to-end interval
(give or take the stamps' resolution). `created_at` against the midpoint of the submit's
[sent, acked] estimates the server-client clock offset. Neither is ever a failure, and neither
replaces a client figure: a disagreement is reported, with the jobs that show it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from harness.client.timestamps import StampForm, parse_stamp
from harness.load.measure.jobs import JobRecord
from harness.load.measure.quantiles import median, quantile

__all__ = [
    "ClockOffset",
    "EndToEnd",
    "JobComparison",
    "ServerTimes",
    "Unparseable",
    "compare_job",
    "server_times_line",
    "server_times_section",
]

EXAMPLES = 5


@dataclass(frozen=True)
class JobComparison:
    """One job's server end-to-end against the client's end-to-end bounds."""

    request_id: str | None
    server: float  # finished_at - created_at, server clock
    resolution: float  # the coarser stamp's quantum: allowed either side of the bounds
    lower: float
    upper: float

    @property
    def within(self) -> bool:
        return self.lower - self.resolution <= self.server <= self.upper + self.resolution

    @property
    def excess(self) -> float:
        """How far outside the bounds (negative: below the lower bound); 0 when within."""
        if self.within:
            return 0.0
        return self.server - (self.lower if self.server < self.lower else self.upper)

    def to_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "server_end_to_end": self.server,
            "client_lower": self.lower,
            "client_upper": self.upper,
            "resolution": self.resolution,
            "outside_by": self.excess,
        }


def compare_job(rec: JobRecord) -> JobComparison | None:
    """None unless the job has both a parsed server duration and a client end-to-end interval."""
    server, client = rec.server_end_to_end, rec.interval("end_to_end")
    if server is None or client is None:
        return None
    return JobComparison(rec.request_id, server[0], server[1], client.lower, client.upper)


@dataclass(frozen=True)
class ClockOffset:
    """created_at minus the submit's midpoint (s): the server-client clock offset estimate,
    with the submit's half RTT (each estimate's uncertainty) beside it."""

    jobs: int = 0
    median: float | None = None
    min: float | None = None
    max: float | None = None
    spread: float | None = None
    median_half_rtt: float | None = None


@dataclass(frozen=True)
class EndToEnd:
    """Server end-to-end (finished_at - created_at) beside the client's midpoints, s."""

    server_p50: float
    server_p95: float
    client_p50: float
    client_p95: float


@dataclass(frozen=True)
class Unparseable:
    request_id: str | None
    field: str
    raw: str


@dataclass(frozen=True)
class ServerTimes:
    results_read: int
    reason: str = ""  # why nothing was compared
    note: str = "the server's clock, reported beside the client's figures; never substituted"
    formats: dict[str, dict[str, int]] = field(default_factory=dict)  # stamp -> form -> jobs
    unparseable: int = 0
    unparseable_examples: list[Unparseable] = field(default_factory=list)
    compared: int = 0
    within: int = 0
    outside: int = 0
    resolution: float | None = None  # s, the coarsest stamp quantum allowed either side
    outside_examples: list[JobComparison] = field(default_factory=list)
    clock_offset: ClockOffset = field(default_factory=ClockOffset)
    end_to_end: EndToEnd | None = None


def _clock_offset(records: Sequence[JobRecord]) -> ClockOffset:
    offsets, halves = [], []
    for rec in records:
        if rec.server_created is not None:  # parsed once, when the /result was read
            offsets.append(rec.server_created - (rec.submit_sent + rec.submit_acked) / 2)
            halves.append((rec.submit_acked - rec.submit_sent) / 2)
    if not offsets:
        return ClockOffset()
    return ClockOffset(
        jobs=len(offsets),
        median=median(offsets),
        min=min(offsets),
        max=max(offsets),
        spread=max(offsets) - min(offsets),
        median_half_rtt=median(halves),
    )


def server_times_section(records: Sequence[JobRecord]) -> ServerTimes:
    read = [r for r in records if r.result_read]
    if not read:
        return ServerTimes(0, reason="no /result was read (no job completed)")
    formats: dict[str, Counter[str]] = {"created_at": Counter(), "finished_at": Counter()}
    unparseable: list[Unparseable] = []
    for rec in read:
        stamps = (("created_at", rec.server_created_at), ("finished_at", rec.server_finished_at))
        for name, raw in stamps:
            stamp = parse_stamp(raw)
            formats[name][stamp.form.value] += 1
            if stamp.form is StampForm.OTHER:
                unparseable.append(Unparseable(rec.request_id, name, str(raw)))
    compared = [c for rec in read if (c := compare_job(rec)) is not None]
    outside = [c for c in compared if not c.within]
    outside.sort(key=lambda c: -abs(c.excess))
    end_to_end = None
    if compared:
        server = [c.server for c in compared]
        client = [(c.lower + c.upper) / 2 for c in compared]
        end_to_end = EndToEnd(
            quantile(server, 0.5), quantile(server, 0.95),
            quantile(client, 0.5), quantile(client, 0.95),
        )  # fmt: skip
    return ServerTimes(
        results_read=len(read),
        formats={k: dict(v) for k, v in formats.items()},
        unparseable=len(unparseable),
        unparseable_examples=unparseable[:EXAMPLES],
        compared=len(compared),
        within=len(compared) - len(outside),
        outside=len(outside),
        resolution=max((c.resolution for c in compared), default=None),
        outside_examples=outside[:EXAMPLES],
        clock_offset=_clock_offset(read),
        end_to_end=end_to_end,
    )


def server_times_line(section: ServerTimes) -> str:
    """One console line: agreement counts and the clock offset estimate."""
    if not section.results_read:
        return f"server timestamps: {section.reason}"
    parts = []
    if section.compared:
        parts.append(
            f"server end-to-end within client bounds {section.within}/{section.compared} "
            f"(±{section.resolution or 0.0:g}s resolution), outside {section.outside}"
        )
        ids = [str(e.request_id) for e in section.outside_examples[:3]]
        if ids:
            parts[-1] += f" ({', '.join(ids)})"
    else:
        parts.append("no job had both server stamps parsed and a client end-to-end interval")
    off = section.clock_offset
    if off.jobs and off.median is not None and off.min is not None and off.max is not None:
        parts.append(
            f"clock offset (server - client) median {off.median * 1000:+.1f} ms "
            f"[{off.min * 1000:+.1f}, {off.max * 1000:+.1f}] "
            f"(±{(off.median_half_rtt or 0.0) * 1000:.1f} ms submit half-RTT)"
        )
    if section.unparseable:
        parts.append(f"{section.unparseable} stamps unparseable (kept raw)")
    created = ", ".join(f"{k}={v}" for k, v in sorted(section.formats["created_at"].items()))
    parts.append(f"created_at format {created}")
    return "server timestamps: " + "; ".join(parts)
