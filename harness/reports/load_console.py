"""The load report's console summary: a few lines per scenario, honest about lower bounds."""

from __future__ import annotations

from typing import Any

from harness.load.measure.server_times import server_times_line

__all__ = ["capacity_line", "print_summary"]


def capacity_line(cap: dict[str, Any]) -> str:
    if not cap.get("available"):
        return f"capacity: not estimated ({cap.get('reason', 'no data')})"
    target = f"max rate for p95 wait <= {cap['target_p95_queue_wait']:g}s"
    if cap.get("lower_bound"):
        line = (
            f"capacity: servers >= {cap['servers']} ({cap['note']}); saturation at least "
            f"~{cap['saturation_rate_predicted']:.2f}/s; {target}: at least "
            f"~{cap['max_rate_for_target']:.2f}/s"
        )
    else:
        line = (
            f"capacity: servers~{cap['servers']} saturation~"
            f"{cap['saturation_rate_predicted']:.2f}/s; {target}: "
            f"{cap['max_rate_for_target']:.2f}/s"
        )
    if cap.get("saturation_rate_true") is not None:
        err = cap.get("prediction_error")
        shown = f"{err:+.0%}" if isinstance(err, float) else cap.get("prediction_error_note", "")
        line += f" (true saturation {cap['saturation_rate_true']:.2f}/s; error {shown})"
    return line


def print_summary(report: dict[str, Any]) -> None:
    print(f"accounting: {report['accounting']}")
    for name, section in report["scenarios"].items():
        m = section["metrics"]
        line = ", ".join(
            f"{k} p50={m[k]['p50']:.3f} p95={m[k]['p95']:.3f}"
            for k in ("queue_wait", "run_time", "end_to_end")
            if k in m
        )
        print(f"{name}: {line}; violations={len(section['violations'])}")
        print(f"  {capacity_line(section['capacity'])}")
        if "server_timestamps" in section:
            print(f"  {server_times_line(section['server_timestamps'])}")
        gt = section.get("ground_truth")
        if gt is not None and gt.get("available") is False:
            print(f"  ground truth: {gt['reason']}")
        for row in section.get("cancel_moments", []):
            why = f" ({row['reason']})" if row["reason"] else ""
            print(f"  cancel {row['moment']}: {row['attempts']} attempts{why}")
        if "advice" in section and section["advice"].get("recommended"):
            print(f"  poll advice: {section['advice']['reason']}")
