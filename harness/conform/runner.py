"""Run the check catalog against one target within a job budget, announcing events.

The workload (a burst of valid jobs, polled and partly cancelled) runs first; then each check
judges it or sends its own probes. Ctrl-C cancels the run's unfinished jobs and still reports.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from harness.checks import CHECKS, CheckContext, JobLedger, Observations
from harness.checks.ledger import JobEntry
from harness.checks.registry import Finding, Outcome
from harness.client import Call, Client
from harness.client.bounds import DEFAULT_BOUNDS, Bounds
from harness.client.transport import bounded_http_client
from harness.clock import Clock, SystemClock
from harness.conform.cost import RunCost
from harness.conform.events import (
    CheckFinished,
    Handler,
    RunFinished,
    RunResult,
    RunStarted,
    StageStarted,
)
from harness.conform.plan import Plan
from harness.conform.workload import UNANSWERED, Workload
from harness.errors import HarnessError, TransportError
from harness.target import Target

__all__ = ["ConformOptions", "run_conformance"]


@dataclass(frozen=True)
class ConformOptions:
    max_jobs: int = 12
    examples: int = 20
    job_timeout: float = 300.0
    poll_interval: float = 1.0
    seed: int = 0
    strict: bool = False
    cases_dir: Path | None = None
    only: Sequence[str] = ()  # check ids; empty: all
    fail_on_skip: bool = False  # a MUST check that could not be exercised fails the run
    bounds: Bounds = DEFAULT_BOUNDS  # bytes and seconds every call may take


def _emit(handlers: Iterable[Handler], event: object) -> None:
    for handler in handlers:
        handler(event)  # type: ignore[arg-type]


def run_conformance(
    target: Target,
    options: ConformOptions,
    *,
    handlers: Sequence[Handler] = (),
    http: httpx.Client | None = None,
    clock: Clock | None = None,
) -> RunResult:
    clock = clock or SystemClock()
    checks = [c for c in CHECKS.values() if not options.only or c.id in options.only]
    obs = Observations()
    ledger = JobLedger(options.max_jobs)
    started = time.monotonic()
    owned = http is None
    http = http or bounded_http_client()
    client = Client(
        target.base_url,
        target.token,
        http=http,
        clock=clock,
        listeners=[obs.record],
        bounds=options.bounds,
    )
    ctx = CheckContext(
        obs,
        client,
        ledger,
        target.input_image_url,
        second_token=target.second_token,
        examples=options.examples,
        seed=options.seed,
        cases_dir=options.cases_dir,
    )
    _emit(handlers, RunStarted(target.base_url, target.embedded, len(checks), options.max_jobs))
    findings: list[Finding] = []
    interrupted = False
    workload: Workload | None = None
    cost: RunCost | None = None
    try:
        workload = Workload(ctx, clock, options.poll_interval, options.job_timeout)
        plan = workload.plan()
        cost = workload.cost = plan.cost()
        _emit(handlers, StageStarted(_announce(plan, cost)))
        workload.run(plan)
        _note_hollow_workload(obs, target.input_image_url)
        _emit(handlers, StageStarted("checks"))
        for chk in checks:
            try:
                finding = chk.run(ctx)
            except TransportError as exc:
                finding = chk.finding(Outcome.SKIPPED, f"could not be exercised: {exc}")
            findings.append(finding)
            _emit(handlers, CheckFinished(finding))
    except KeyboardInterrupt:
        interrupted = True
        _cancel_unfinished(client, ledger, obs)
    finally:
        if owned:
            http.close()
    done = {f.check_id for f in findings}
    for chk in checks:
        if chk.id not in done:
            findings.append(chk.finding(Outcome.SKIPPED, "run interrupted"))
    if workload is not None and workload.cost is not None:
        cost = workload.cost
    if cost is not None and cost.used is not None:
        obs.note(
            f"GPU time (estimated): {cost.used:.0f} s used by {cost.ran} jobs that ran, "
            f"{cost.spared} cancelled while queued; planned {cost.planned:.0f} s"
        )
    result = RunResult(
        target.base_url,
        findings,
        ledger.entries,
        options.max_jobs,
        time.monotonic() - started,
        strict=options.strict,
        fail_on_skip=options.fail_on_skip,
        interrupted=interrupted,
        notes=obs.notes,
        cost=cost,
    )
    _emit(handlers, RunFinished(result))
    return result


def _announce(plan: Plan, cost: RunCost) -> str:
    jobs = len(plan.lifecycle) + len(plan.acceptance)
    return (
        f"workload: {jobs} valid jobs ({len(plan.lifecycle)} life-cycle on the cheapest input, "
        f"{len(plan.acceptance)} edges, {len(plan.spare)} of them cancelled while queued); "
        f"estimated GPU time {cost.planned:.0f} s (at most {cost.worst:.0f} s if no queued "
        "cancel lands)"
    )


def _note_hollow_workload(obs: Observations, image_url: str) -> None:
    """Say so when every workload job failed: the output and life-cycle checks will be skipped,
    most likely because the server could not fetch the input image."""
    results = [j.final_result for j in obs.jobs.values()]
    bodies = [r.body for r in results if r is not None and isinstance(r.body, dict)]
    ran = [b for b in bodies if b.get("status") != "cancelled"]  # some are cancelled on purpose
    if not ran or any(b.get("status") != "failed" for b in ran):
        return
    bodies = ran
    error = bodies[0].get("error")
    obs.note(
        f"every workload job failed (first error: {error}); output checks cannot run. "
        f"Can the server fetch --input-image-url {image_url}?"
    )


def _cancel_unfinished(client: Client, ledger: JobLedger, obs: Observations) -> None:
    """Ctrl-C: cancel every job the run created that is not known to be finished, and book
    each job's last known state and the cancel's outcome (a second Ctrl-C stops the sending)."""
    todo = []
    for entry in ledger.entries:
        job = obs.jobs.get(entry.request_id)
        if job is not None and job.last_word:
            entry.state = job.last_word
        if entry.request_id == UNANSWERED:
            continue  # its id was never seen: nothing to cancel
        if job is not None and job.terminal:
            entry.cancel = entry.cancel or "not sent: already finished"
        elif job is None and entry.cancel is not None:
            continue  # a probe's job, cancelled at once when it was created
        else:
            todo.append(entry)
    # The whole cleanup shares `bounds.cleanup_timeout`: a hanging server cannot hold it.
    end = time.monotonic() + client.bounds.cleanup_timeout
    try:
        for entry in todo:
            entry.cancel = "not sent: interrupted again"
        for entry in todo:
            left = end - time.monotonic()
            if left <= 0:
                entry.cancel = "not sent: cleanup time spent"
                continue
            _cancel_one(client, entry, left)
    except KeyboardInterrupt:
        pass
    counts = Counter(str(e.cancel) for e in todo)
    obs.note(
        f"interrupted: cancels sent to {len(todo)} unfinished jobs ("
        + ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
        + ")"
    )


def _cancel_one(client: Client, entry: JobEntry, left: float) -> None:
    """Cancel one job within `left` seconds, booking the outcome the moment it is known (a
    second Ctrl-C during the status read after it keeps it), then the state read after it."""
    start = time.monotonic()
    left = min(left, client.bounds.request_timeout)
    try:
        reply = client.request(Call.on_request("cancel", entry.request_id), timeout=left)
    except HarnessError:
        entry.cancel = "no answer"
        return
    body = reply.json()
    outcome = body.get("outcome") if isinstance(body, dict) else None
    entry.cancel = outcome if isinstance(outcome, str) else f"HTTP {reply.response.status_code}"
    left -= time.monotonic() - start
    if left <= 0:
        return
    try:
        status = client.request(Call.on_request("status", entry.request_id), timeout=left).json()
    except HarnessError:
        return
    word = status.get("status") if isinstance(status, dict) else None
    entry.state = word if isinstance(word, str) else entry.state
