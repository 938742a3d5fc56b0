"""What one Locust run hands back to the CLI: job records plus merged HDR histograms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.load.measure.histograms import MetricHistograms
from harness.load.measure.jobs import JobRecord
from harness.load.measure.metrics import metrics_of

__all__ = ["RunResults", "histogram_keys", "merge_results"]


def histogram_keys(metric: str, policy: str, by_policy: bool) -> list[str]:
    return [metric, f"{metric}|{policy}"] if by_policy else [metric]


@dataclass
class RunResults:
    scenario: str
    started_at: float = 0.0
    ended_at: float = 0.0
    records: list[JobRecord] = field(default_factory=list)
    histograms: MetricHistograms = field(default_factory=MetricHistograms)
    settings: dict[str, Any] = field(default_factory=dict)
    interrupted: bool = False  # the run was stopped early (Ctrl-C); not part of the file
    # Submits put on the wire, counted by the transport apart from the records, so that the
    # accounting can check that every submit has its record (None: not counted, e.g. a master).
    submits_sent: int | None = None
    # Distributed runs: one tally per Locust worker (records, submits, and for a worker that
    # died, its lost and unaccounted jobs).
    workers: list[dict[str, Any]] = field(default_factory=list)
    # --stop-on-lost-slo: why the run stopped submitting early (the lost gate's outlook, when,
    # after how many finished jobs); None when it did not
    stopped: dict[str, Any] | None = None

    def add(self, rec: JobRecord, *, by_policy: bool = False) -> None:
        """Keep the record and put its metrics in the histograms."""
        self.records.append(rec)
        for metric, value in metrics_of(rec):
            for key in histogram_keys(metric, rec.policy, by_policy):
                self.histograms.record(key, value)

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "settings": self.settings,
            "submits_sent": self.submits_sent,
            "workers": self.workers,
            "stopped": self.stopped,
            "histograms": self.histograms.encode(),
            "records": [r.to_dict() for r in self.records],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunResults:
        hists = MetricHistograms()
        hists.merge_encoded(data.get("histograms", {}))
        return cls(
            scenario=data["scenario"],
            started_at=data.get("started_at", 0.0),
            ended_at=data.get("ended_at", 0.0),
            records=[JobRecord.from_dict(r) for r in data.get("records", [])],
            histograms=hists,
            settings=data.get("settings", {}),
            submits_sent=data.get("submits_sent"),
            workers=data.get("workers", []),
            stopped=data.get("stopped"),
        )

    def write(self, path: Path) -> None:
        """Whole or not at all: a reader never sees a half-written file."""
        partial = path.with_name(path.name + ".partial")
        partial.write_text(json.dumps(self.to_json()))
        partial.replace(path)

    @classmethod
    def read(cls, path: Path) -> RunResults:
        return cls.from_json(json.loads(path.read_text()))


def merge_results(runs: list[RunResults]) -> RunResults:
    """Several runs (repeats, or processes) of one scenario as one: records and histograms."""
    if not runs:
        raise ValueError("nothing to merge")
    merged = RunResults(runs[0].scenario, settings=dict(runs[0].settings))
    merged.started_at = min((r.started_at for r in runs if r.started_at), default=0.0)
    merged.ended_at = max(r.ended_at for r in runs)
    merged.interrupted = any(r.interrupted for r in runs)
    counted = [r.submits_sent for r in runs if r.submits_sent is not None]
    merged.submits_sent = sum(counted) if counted else None
    merged.workers = [w for run in runs for w in run.workers]
    merged.stopped = next((r.stopped for r in runs if r.stopped is not None), None)
    for run in runs:
        merged.records.extend(run.records)
        merged.histograms.merge_encoded(run.histograms.encode())
    return merged
