"""The server's own timestamps on /result (OBSERVE): their format, null while pending, and
whether finished_at - created_at (a difference of two server readings, so independent of the
server's clock offset) lies inside the client's observed end-to-end bounds. Never a failure.
"""

from __future__ import annotations

from collections import Counter

from harness.checks.context import CheckContext
from harness.checks.observations import JobRecord, Read
from harness.checks.registry import Verdict, check, observed, skipped
from harness.client.timestamps import Stamp, StampForm, parse_stamp, server_duration
from harness.client.vocabulary import Phase

__all__ = ["end_to_end_bounds"]


def _sent(read: Read) -> float:
    return read.exchange.sent_at if read.exchange.sent_at is not None else read.at


def _received(read: Read) -> float:
    return read.exchange.received_at if read.exchange.received_at is not None else read.at


def end_to_end_bounds(job: JobRecord) -> tuple[float, float] | None:
    """The client's end-to-end interval (docs/metrics.md): from the submit's [sent, acked] to the
    last status read before a terminal state and the first read in it."""
    reads = [r for r in job.all_statuses if r.ok and r.phase is not Phase.UNKNOWN]
    first = next((i for i, r in enumerate(reads) if r.phase.terminal), None)
    if first is None:
        return None
    before = _sent(reads[first - 1]) if first else _sent(job.submit)
    lower = max(0.0, before - _received(job.submit))
    upper = _received(reads[first]) - _sent(job.submit)
    return lower, max(lower, upper)


def _stamps(read: Read) -> tuple[Stamp, Stamp]:
    body = read.body if isinstance(read.body, dict) else {}
    return parse_stamp(body.get("created_at")), parse_stamp(body.get("finished_at"))


@check("timestamps", rule="result.timestamps")
def timestamps(ctx: CheckContext) -> Verdict:
    jobs = list(ctx.obs.jobs.values())
    finals = [(j, j.final_result) for j in jobs if j.final_result and j.final_result.ok]
    pending = [r for j in jobs for r in j.pending_results if r.ok]
    if not finals and not pending:
        return skipped("no /result was read")
    forms: Counter[str] = Counter()
    for read in [r for _, r in finals] + pending:
        created, finished = _stamps(read)
        forms[f"created_at {created.form}"] += 1
        if finished.form is not StampForm.NULL:
            forms[f"finished_at {finished.form}"] += 1
    parts = ["formats: " + ", ".join(f"{k} x{n}" for k, n in sorted(forms.items()))]
    if pending:
        nulls = sum(_stamps(r)[1].form is StampForm.NULL for r in pending)
        parts.append(f"finished_at null on {nulls}/{len(pending)} pending reads")
    within, outside = 0, []
    for job, read in finals:
        duration = server_duration(*_stamps(read))
        bounds = end_to_end_bounds(job)
        if duration is None or bounds is None:
            continue
        server, slack = duration
        if bounds[0] - slack <= server <= bounds[1] + slack:
            within += 1
        else:
            outside.append(f"{job.request_id}: {server:.3f}s vs [{bounds[0]:.3f}, {bounds[1]:.3f}]")
    compared = within + len(outside)
    if compared:
        line = f"finished_at - created_at within client end-to-end bounds {within}/{compared}"
        parts.append(line + (f" (outside: {'; '.join(outside[:3])})" if outside else ""))
    else:
        parts.append("no finished job had both stamps parsed and client bounds")
    evidence = [r.exchange for _, r in finals[:1]] + [r.exchange for r in pending[:1]]
    return observed("; ".join(parts), evidence, judged=len(finals) + len(pending))
