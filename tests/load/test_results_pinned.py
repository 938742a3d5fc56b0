"""Run results pinned: histogram keys, the JSON file, and merging runs of one scenario."""

from __future__ import annotations

import json

import pytest

from harness.load.measure.histograms import MetricHistograms
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults, histogram_keys, merge_results


def _rec(policy: str = "fixed-1s", acked: float = 0.002) -> JobRecord:
    return JobRecord("s", policy, 0.0, 0.0, acked)  # refused: time_to_ack and schedule_lag only


def test_histogram_keys_add_the_policy_only_when_asked():
    assert histogram_keys("queue_wait", "backoff", True) == ["queue_wait", "queue_wait|backoff"]
    assert histogram_keys("queue_wait", "backoff", False) == ["queue_wait"]


def test_add_keeps_the_record_and_its_metrics():
    run = RunResults("s")
    run.add(_rec())
    assert len(run.records) == 1
    assert run.histograms.names() == ["schedule_lag", "time_to_ack"]
    run.add(_rec("backoff"), by_policy=True)
    assert run.histograms.names() == [
        "schedule_lag", "schedule_lag|backoff", "time_to_ack", "time_to_ack|backoff",
    ]  # fmt: skip
    ack = run.histograms.summary("time_to_ack")
    assert ack is not None
    assert (ack.count, ack.max) == (2, 0.002)


def test_a_new_run_is_empty_and_uncounted():
    run = RunResults("s")
    assert (run.started_at, run.ended_at, run.interrupted, run.submits_sent) == (
        0.0,
        0.0,
        False,
        None,
    )
    assert run.records == []
    assert run.settings == {}
    assert run.histograms.names() == []


def test_json_round_trip_keeps_every_field_but_the_interrupt(tmp_path):
    run = RunResults("queue-latency", 1.5, 9.5, settings={"rate": 2}, submits_sent=1)
    run.add(_rec())
    run.interrupted = True
    run.workers = [{"worker": "w1", "records": 1}]
    run.stopped = {"slo": "queue_wait.p95<1s", "at": 7.0}
    data = run.to_json()
    assert data["workers"] == [{"worker": "w1", "records": 1}]
    assert data["stopped"] == {"slo": "queue_wait.p95<1s", "at": 7.0}
    assert list(data) == [
        "scenario", "started_at", "ended_at", "settings", "submits_sent", "workers", "stopped",
        "histograms", "records",
    ]  # fmt: skip
    assert (data["scenario"], data["started_at"], data["ended_at"]) == ("queue-latency", 1.5, 9.5)
    assert (data["settings"], data["submits_sent"]) == ({"rate": 2}, 1)
    assert data["histograms"] == run.histograms.encode()
    assert data["records"] == [run.records[0].to_dict()]
    path = tmp_path / "run.json"
    run.write(path)
    assert json.loads(path.read_text()) == json.loads(json.dumps(data))
    assert not (tmp_path / "run.json.partial").exists()
    back = RunResults.read(path)
    assert (back.scenario, back.started_at, back.ended_at) == ("queue-latency", 1.5, 9.5)
    assert (back.settings, back.submits_sent, back.interrupted) == ({"rate": 2}, 1, False)
    assert back.records == run.records
    assert back.workers == run.workers
    assert back.stopped == run.stopped
    assert back.histograms.summaries() == run.histograms.summaries()


def test_from_json_defaults_what_an_old_file_lacks():
    back = RunResults.from_json({"scenario": "s"})
    assert back.workers == []
    assert back.stopped is None
    assert (back.started_at, back.ended_at, back.submits_sent) == (0.0, 0.0, None)
    assert back.records == []
    assert back.settings == {}
    assert back.histograms.names() == []


def test_merge_takes_the_earliest_start_the_latest_end_and_sums_the_counts():
    a = RunResults("s", 0.0, 5.0, settings={"rate": 1}, submits_sent=3)  # 0.0: never started
    b = RunResults("s", 2.0, 9.0, settings={"rate": 7}, submits_sent=None)
    c = RunResults("s", 1.0, 4.0, submits_sent=4)
    for run, n in ((a, 1), (b, 2), (c, 0)):
        for _ in range(n):
            run.add(_rec())
    c.interrupted = True
    a.workers, c.workers = [{"worker": "w1"}], [{"worker": "w2"}, {"worker": "w3"}]
    merged = merge_results([a, b, c])
    assert merged.workers == [{"worker": "w1"}, {"worker": "w2"}, {"worker": "w3"}]
    assert (merged.scenario, merged.started_at, merged.ended_at) == ("s", 1.0, 9.0)
    assert merged.interrupted
    assert merged.submits_sent == 7
    assert merged.settings == {"rate": 1}
    assert merged.settings is not a.settings
    assert merged.records == [*a.records, *b.records]
    assert merged.stopped is None
    b.stopped, c.stopped = {"slo": "b"}, {"slo": "c"}
    assert merge_results([a, b, c]).stopped == {"slo": "b"}  # the first run that stopped
    ack = merged.histograms.summary("time_to_ack")
    assert ack is not None
    assert ack.count == 3
    assert a.histograms.summary("time_to_ack").count == 1  # type: ignore[union-attr]


def test_merging_unstarted_uncounted_calm_runs():
    runs = [RunResults("s", 0.0, 3.0), RunResults("s", 0.0, 2.0)]
    merged = merge_results(runs)
    assert (merged.started_at, merged.ended_at, merged.submits_sent) == (0.0, 3.0, None)
    assert not merged.interrupted
    assert merged.histograms.names() == []
    assert isinstance(merged.histograms, MetricHistograms)


def test_nothing_to_merge_is_refused():
    with pytest.raises(ValueError, match=r"^nothing to merge$"):
        merge_results([])
