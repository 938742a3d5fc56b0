"""The run's judgement, added to the report: warm-up apart, SLO verdicts, goodput, exit code.

Exit codes of a load run: 0 every gate passed; 1 a gate failed (or a finding); 3 a gate was
inconclusive (too few jobs, or detection intervals too wide) and none failed, unless
`--inconclusive pass|fail` chose; 130 interrupted (checked by the caller first).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.load.measure.goodput import Target, goodput, honest_percentiles
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults
from harness.load.measure.slo import Slo, SloResult, evaluate
from harness.load.measure.verdicts import DEFAULT_CONFIDENCE, Verdict
from harness.load.measure.warmup import Warmup, WarmupSplit, cold_ids, warmup_section

__all__ = [
    "EXIT_FAILED",
    "EXIT_INCONCLUSIVE",
    "EXIT_PASSED",
    "HONEST_METRICS",
    "exit_code",
    "judge_report",
    "mark_warmup",
]

EXIT_PASSED, EXIT_FAILED, EXIT_INCONCLUSIVE = 0, 1, 3
HONEST_METRICS = ("queue_wait", "run_time", "end_to_end")


def mark_warmup(
    section: dict[str, Any],
    runs: Sequence[tuple[RunResults, WarmupSplit]],
    warmup: Warmup,
    truth: Sequence[Mapping[str, Any]] | None,
) -> None:
    """Flag each job of the section's list (the runs' records, in order) as warm-up or not,
    and report the warm-up apart."""
    splits = [split for _, split in runs]
    warm = [r for s in splits for r in s.warmup]
    flagged = {id(r) for r in warm}
    records = [r for run, _ in runs for r in run.records]
    for rec, job in zip(records, section["jobs"], strict=True):
        job["warmup"] = id(rec) in flagged
    merged = WarmupSplit([r for s in splits for r in s.measured], warm)
    section["warmup"] = warmup_section(merged, warmup, cold_ids(truth), HONEST_METRICS)


def _judged_jobs(section: Mapping[str, Any]) -> list[JobRecord]:
    return [JobRecord.from_dict(j) for j in section.get("jobs", []) if not j.get("warmup")]


def judge_report(
    report: dict[str, Any], slos: list[Slo], confidence: float = DEFAULT_CONFIDENCE
) -> list[SloResult]:
    """SLO verdicts on the jobs after the warm-up; per scenario goodput and honest percentiles."""
    scenarios: dict[str, Any] = report["scenarios"]
    counts = dict(report["accounting"])
    counts["violations"] = sum(len(s["violations"]) for s in scenarios.values())
    metrics = {name: section["metrics"] for name, section in scenarios.items()}
    jobs = {name: _judged_jobs(section) for name, section in scenarios.items()}
    results = evaluate(slos, metrics, counts, jobs, confidence=confidence)
    report["slos"] = [r.to_dict() for r in results]
    targets = [Target(s.metric, s.holds) for s in slos if s.per_job]
    for name, section in scenarios.items():
        section["goodput"] = goodput(jobs[name], targets).to_dict()
        section["goodput"]["targets"] = [s.text for s in slos if s.per_job]
        honest = {m: honest_percentiles(jobs[name], m) for m in HONEST_METRICS}
        section["honest_percentiles"] = {m: v for m, v in honest.items() if v is not None}
    return results


def exit_code(results: Sequence[SloResult], inconclusive: str | None = None) -> int:
    """1 if a gate failed; 3 if one was inconclusive (or as `inconclusive` says); else 0."""
    verdicts = {r.verdict for r in results}
    if Verdict.FAIL in verdicts:
        return EXIT_FAILED
    if Verdict.INCONCLUSIVE in verdicts:
        return {"pass": EXIT_PASSED, "fail": EXIT_FAILED}.get(inconclusive or "", EXIT_INCONCLUSIVE)
    return EXIT_PASSED
