"""Job records pinned: lag, intervals from a history, server clock, round trip and buckets."""

from __future__ import annotations

import json

import pytest

from harness.client.records import History, JobStatus, Poll
from harness.client.vocabulary import Phase
from harness.load.measure.accounting import Bucket
from harness.load.measure.jobs import CancelRecord, JobRecord, bucket_of


def _rec(**kw) -> JobRecord:
    return JobRecord("queue-latency", "fixed-1s", intended_at=10.0, submit_sent=10.5,
                     submit_acked=11.0, **kw)  # fmt: skip


def _poll(sent: float, word: str | None, sent_b: int = 0, got_b: int = 0) -> Poll:
    status = None if word is None else JobStatus("r", word, None, raw={})
    return Poll(sent, sent + 0.5, status, None if status else "timeout", sent_b, got_b)


def test_a_new_record_is_lost_until_told_otherwise():
    rec = _rec()
    assert rec.outcome == "lost"
    assert rec.request_id is None
    assert rec.history is None
    assert not rec.warmup
    assert rec.polls == []
    assert rec.intervals == {}
    assert rec.violations == []
    assert (rec.bytes_sent, rec.bytes_received, rec.wasted_polls) == (0, 0, 0)
    assert (rec.first_running_seen, rec.terminal_seen) == (None, None)
    assert rec.server_end_to_end is None
    assert not rec.result_read
    rec.settle()  # no history: nothing to derive
    assert rec.intervals == {}


def test_schedule_lag_is_lateness_never_earliness():
    assert _rec().schedule_lag == 0.5
    early = JobRecord("s", "p", intended_at=12.0, submit_sent=11.0, submit_acked=11.5)
    assert early.schedule_lag == 0.0


def test_interval_reads_a_named_pair():
    rec = _rec(intervals={"run_time": (1.0, 2.0)})
    iv = rec.interval("run_time")
    assert iv is not None
    assert (iv.lower, iv.upper) == (1.0, 2.0)
    assert rec.interval("queue_wait") is None


def test_polls_bytes_and_intervals_come_from_the_history():
    h = History("r", submit_sent=10.5, submit_acked=11.0)
    h.polls += [
        _poll(12.0, "in_queue", 10, 100),
        _poll(13.0, "in_queue", 10, 100),
        _poll(14.0, None, 10, 0),
        _poll(15.0, "in_progress", 10, 100),
        _poll(17.0, "completed", 10, 120),
    ]
    rec = _rec(request_id="r", history=h, call_bytes_sent=500, call_bytes_received=50)
    assert rec.polls is h.polls
    assert rec.wasted_polls == 1
    assert (rec.bytes_sent, rec.bytes_received) == (550, 470)
    assert (rec.first_running_seen, rec.terminal_seen) == (15.5, 17.5)
    rec.settle()
    assert rec.intervals == {
        "queue_wait": (13.0 - 11.0, 15.5 - 10.5),
        "run_time": (0.0, 17.5 - 13.0),  # 15.0 - 15.5 floors at zero
        "end_to_end": (15.0 - 11.0, 17.5 - 10.5),
        "detection_delay": (0.0, 2.5),
        "started": (13.0, 15.5),
        "finished": (15.0, 17.5),
    }


def test_a_job_first_seen_done_or_never_done():
    done = History("r", submit_sent=0.0, submit_acked=1.0, polls=[_poll(2.0, "completed")])
    rec = _rec(request_id="r", history=done)
    assert rec.first_running_seen is None  # never *seen* running
    assert rec.terminal_seen == 2.5
    queued = History("r", submit_sent=0.0, submit_acked=1.0, polls=[_poll(2.0, "in_queue")])
    rec = _rec(request_id="r", history=queued)
    rec.settle()
    assert (rec.first_running_seen, rec.terminal_seen) == (None, None)
    assert rec.intervals == {}
    running = History("r", submit_sent=0.0, submit_acked=1.0, polls=[_poll(2.0, "in_progress")])
    rec = _rec(request_id="r", history=running)
    rec.settle()
    assert (rec.first_running_seen, rec.terminal_seen) == (2.5, None)
    assert rec.intervals == {"queue_wait": (0.0, 2.5), "started": (0.0, 2.5)}


def test_note_result_keeps_the_servers_stamps_raw_and_parsed():
    rec = _rec()
    rec.note_result({"created_at": 1000.25, "finished_at": "1003.5", "status": "succeeded"})
    assert rec.result_read
    assert (rec.server_created_at, rec.server_finished_at) == (1000.25, "1003.5")
    assert (rec.server_created, rec.server_finished) == (1000.25, 1003.5)
    assert rec.server_end_to_end == (3.25, 0.1)  # the coarser stamp: tenths
    unparsed = _rec()
    unparsed.note_result({"created_at": "yesterday"})
    assert unparsed.result_read
    assert unparsed.server_finished_at is None
    assert (unparsed.server_created, unparsed.server_finished) == (None, None)
    assert unparsed.server_end_to_end is None


def test_to_dict_reports_the_derived_figures_and_from_dict_restores_the_history():
    h = History("r1", submit_sent=10.5, submit_acked=11.0)
    h.polls += [
        Poll(12.0, 12.5, JobStatus("r1", "in_queue", 3, raw={}), None, 10, 100),
        Poll(13.0, 13.5, None, "timeout", 10, 0),
        _poll(14.0, "in_progress", 10, 90),
        _poll(15.0, "in_progress", 10, 90),
        _poll(16.0, "cancelled", 10, 80),
    ]
    rec = _rec(request_id="r1", history=h, outcome="cancelled", call_bytes_sent=7)
    rec.cancel = CancelRecord("queued", "in_queue", 12.0, 200, "cancelled", "not_cancellable")
    rec.note_result({"created_at": 100, "finished_at": 104})
    rec.settle()
    data = rec.to_dict()
    assert "history" not in data
    assert data["polls"] == [
        [12.0, 12.5, "in_queue", None, 10, 100, 3],
        [13.0, 13.5, None, "timeout", 10, 0, None],
        [14.0, 14.5, "in_progress", None, 10, 90, None],
        [15.0, 15.5, "in_progress", None, 10, 90, None],
        [16.0, 16.5, "cancelled", None, 10, 80, None],
    ]
    assert (data["wasted_polls"], data["bytes_sent"], data["bytes_received"]) == (1, 57, 360)
    assert (data["schedule_lag"], data["server_end_to_end"]) == (0.5, 4)
    assert (data["first_running_seen"], data["terminal_seen"]) == (14.5, 16.5)
    assert data["cancel"]["second_outcome"] == "not_cancellable"
    assert data["call_bytes_sent"] == 7
    assert _rec().to_dict()["server_end_to_end"] is None
    assert _rec().to_dict()["cancel"] is None
    back = JobRecord.from_dict(json.loads(json.dumps(data)) | {"unknown_key": 1})
    assert isinstance(back.cancel, CancelRecord)
    assert back.cancel == rec.cancel
    assert back.history is not None
    assert back.history.request_id == "r1"
    assert (back.history.submit_sent, back.history.submit_acked) == (10.5, 11.0)
    assert (back.history.intended_at, back.history.policy) == (10.0, "fixed-1s")
    assert back.polls[:2] == h.polls[:2]  # the rest are checked through to_dict below
    assert back.polls[0].status is not None
    assert back.polls[0].status.raw == {"request_id": "r1", "status": "in_queue",
                                        "queue_position": 3}  # fmt: skip
    assert back.intervals == rec.intervals
    assert back.to_dict() == data


def test_from_dict_fills_defaults_for_missing_lists():
    base = {"scenario": "s", "policy": "p", "intended_at": 0.0, "submit_sent": 0.0,
            "submit_acked": 0.0}  # fmt: skip
    back = JobRecord.from_dict(base | {"history": "not a history"})  # never read from a file
    assert back.history is None
    assert back.intervals == {}
    assert back.cancel is None
    accepted = JobRecord.from_dict(base | {"request_id": "x"})
    assert accepted.history is not None
    assert accepted.polls == []


@pytest.mark.parametrize(
    ("final", "bucket"),
    [
        (Phase.SUCCEEDED, Bucket.COMPLETED),
        (Phase.DONE, Bucket.COMPLETED),
        (Phase.FAILED, Bucket.FAILED),
        (Phase.CANCELLED, Bucket.CANCELLED),
        (Phase.RUNNING, Bucket.LOST),
        (Phase.QUEUED, Bucket.LOST),
        (Phase.UNKNOWN, Bucket.LOST),
        (None, Bucket.LOST),
    ],
)
def test_bucket_of_the_last_phase(final, bucket):
    assert bucket_of(final) is bucket
