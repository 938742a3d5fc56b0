"""Warm-up exclusion and cold starts, on synthetic sets and on the model with a cold-start cost."""

from __future__ import annotations

import httpx
import pytest

from harness.client.policies import parse_policy
from harness.client.sync import Client
from harness.load.measure.goodput import honest_percentiles
from harness.load.measure.jobs import JobRecord
from harness.load.measure.warmup import (
    NO_WARMUP,
    Warmup,
    cold_ids,
    parse_warmup,
    split_warmup,
)
from harness.load.run.judging import warmup_report
from harness.mock import MockApi
from harness.model import ModelConfig
from harness.model.config import ServiceTimes

from .jobsets import job


@pytest.mark.parametrize(
    ("text", "warmup"),
    [
        ("30s", Warmup(seconds=30.0)),
        ("2m", Warmup(seconds=120.0)),
        ("500ms", Warmup(seconds=0.5)),
        ("1.5", Warmup(seconds=1.5)),
        ("5jobs", Warmup(jobs=5)),
        (" 1 job ", Warmup(jobs=1)),
        ("0", NO_WARMUP),
    ],
)
def test_parse_warmup(text, warmup):
    assert parse_warmup(text) == warmup


@pytest.mark.parametrize("text", ["soon", "-3s", "2.5jobs", "5 tasks", ""])
def test_parse_warmup_rejects(text):
    with pytest.raises(ValueError, match="bad warm-up"):
        parse_warmup(text)


def test_warmup_text():
    assert (Warmup(jobs=5).text, Warmup(seconds=30).text, NO_WARMUP.text) == (
        "5jobs", "30s", "none")  # fmt: skip


def _at(*times: float) -> list[JobRecord]:
    return [job((0.1, 0.1), at=t, request_id=f"r{t:g}") for t in times]


def test_split_by_duration_uses_intended_times():
    records = _at(5.0, 0.0, 1.0, 2.0, 3.0)  # out of order on purpose
    split = split_warmup(records, Warmup(seconds=2.0))
    assert [r.intended_at for r in split.warmup] == [0.0, 1.0]
    assert [r.intended_at for r in split.measured] == [2.0, 3.0, 5.0]  # 2.0 is not before 2 s
    later = split_warmup(records, Warmup(seconds=2.0), start=-1.0)
    assert [r.intended_at for r in later.warmup] == [0.0]


def test_split_by_jobs_and_none():
    records = _at(0.0, 1.0, 2.0)
    assert [r.intended_at for r in split_warmup(records, Warmup(jobs=2)).warmup] == [0.0, 1.0]
    assert len(split_warmup(records, Warmup(jobs=9)).warmup) == 3
    assert split_warmup(records, NO_WARMUP).warmup == []
    assert len(split_warmup(records, NO_WARMUP).measured) == 3
    empty = split_warmup([], Warmup(jobs=2))
    assert (empty.measured, empty.warmup) == ([], [])


def test_cold_ids_only_when_the_server_says():
    truth = [{"request_id": "a", "cold": True}, {"request_id": "b", "cold": False}]
    assert cold_ids(truth) == {"a"}
    assert cold_ids(None) is None
    assert cold_ids([]) is None
    assert cold_ids([{"request_id": "a"}]) is None  # a server without the field


def test_section_reports_the_warmup_apart():
    records = _at(0.0, 1.0, 2.0, 3.0)
    split = split_warmup(records, Warmup(jobs=2))
    truth = [{"request_id": "r0", "cold": True}, {"request_id": "r3", "cold": True},
             {"request_id": "r1", "cold": False}]  # fmt: skip
    section = warmup_report([split], Warmup(jobs=2), truth)
    assert (section.warmup, section.excluded_jobs) == ("2jobs", 2)
    assert [(row.metric, row.count) for row in section.figures] == [
        ("queue_wait", 2), ("run_time", 2), ("end_to_end", 2)]  # fmt: skip
    assert section.cold.known
    assert (section.cold.in_warmup, section.cold.measured) == (["r0"], ["r3"])
    unknown = warmup_report([split], Warmup(jobs=2), None)
    assert not unknown.cold.known
    assert (unknown.cold.in_warmup, unknown.cold.measured) == ([], [])


def _run_jobs(cold_start: float, count: int = 40) -> tuple[list[JobRecord], list[dict]]:
    """One job at a time on a 4-GPU mock with a virtual clock: real polls, real intervals."""
    times = ServiceTimes(time_per_step=0.1, jitter_sigma=0.0, cold_start=cold_start)
    records = []
    with MockApi(config=ModelConfig(workers=4, times=times)) as api, httpx.Client() as http:
        client = Client(api.base_url, api.token, http=http, clock=api.clock)
        body = {"image_url": api.sample_url(), "prompt": "p"}
        for _ in range(count):
            intended = api.clock.now()
            ack, history = client.submit_timed(body)
            client.wait(history, parse_policy("fixed:0.05"))
            rec = JobRecord("queue-latency", "fixed:0.05", intended, history.submit_sent,
                            history.submit_acked, ack.request_id, history, "completed")  # fmt: skip
            rec.settle()
            records.append(rec)
            api.clock.sleep(0.5)
        return records, api.ground_truth()


def _p95(records: list[JobRecord]) -> float:
    figures = honest_percentiles(records, "end_to_end")
    assert figures is not None
    return float(figures["p95"])


def test_a_cold_warmup_changes_p95_only_when_not_excluded():
    warm, _ = _run_jobs(cold_start=0.0)
    cold, truth = _run_jobs(cold_start=3.0)
    ids = cold_ids(truth)
    assert ids == {r.request_id for r in cold[:4]}  # one cold job per GPU, the first four
    excluded = Warmup(jobs=4)
    # included, the four cold jobs (10% of the run) lift p95 by the cold-start cost...
    assert _p95(cold) > _p95(warm) + 2.5
    # ...excluded, the cold run reports what the warm one does (within one poll interval)
    kept = split_warmup(cold, excluded)
    assert _p95(kept.measured) == pytest.approx(
        _p95(split_warmup(warm, excluded).measured), abs=0.05
    )
    section = warmup_report([kept], excluded, truth)
    assert section.cold.in_warmup == [r.request_id for r in cold[:4]]
    assert section.cold.measured == []
    # the warm-up, reported apart, still shows what the cold starts cost
    e2e = next(row for row in section.figures if row.metric == "end_to_end")
    assert e2e.p50 is not None
    assert e2e.p50 > _p95(warm) + 2.5
    # a warm-up too short for the GPUs leaves a cold job among the measured ones, said so
    short = warmup_report([split_warmup(cold, Warmup(jobs=3))], Warmup(jobs=3), truth)
    assert short.cold.measured == [cold[3].request_id]
