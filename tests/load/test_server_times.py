"""The server's own timestamps beside the client's figures: parsing, comparison, offset, flow."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from harness.client.flows import Send, drive
from harness.client.timestamps import StampForm, parse_stamp, server_duration
from harness.client.transport import Received
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults
from harness.load.measure.server_times import (
    ClockOffset,
    Unparseable,
    compare_job,
    server_times_line,
    server_times_section,
)
from harness.load.run.report import build_report
from harness.load.run.report_model import to_plain
from harness.reports.load_console import print_summary
from tests.load.test_flow import bench

T0 = 1767225600.0  # 2026-01-01T00:00:00Z


@pytest.mark.parametrize(
    ("raw", "form", "epoch", "resolution"),
    [
        ("2026-01-01T00:00:00.123Z", StampForm.ISO_Z, T0 + 0.123, 0.001),
        ("2026-01-01T00:00:00.123456z", StampForm.ISO_Z, T0 + 0.123456, 1e-6),
        ("2026-01-01T01:00:00+01:00", StampForm.ISO_OFFSET, T0, 1.0),
        ("2026-01-01T00:00:00.5+0000", StampForm.ISO_OFFSET, T0 + 0.5, 0.1),
        ("2025-12-31T19:00:00-05:00", StampForm.ISO_OFFSET, T0, 1.0),
        ("2026-01-01T00:00:00", StampForm.ISO_NAIVE, T0, 1.0),  # no zone: read as UTC
        ("2026-01-01 00:00", StampForm.ISO_NAIVE, T0, 60.0),
        (1767225600, StampForm.EPOCH, T0, 1.0),
        (1767225600.25, StampForm.EPOCH, T0 + 0.25, 0.01),
        ("1767225600.125", StampForm.EPOCH, T0 + 0.125, 0.001),
        (1767225600123, StampForm.EPOCH, T0 + 0.123, 0.001),  # epoch milliseconds
        (None, StampForm.NULL, None, 0.0),
        ("yesterday", StampForm.OTHER, None, 0.0),
        ("2026-13-01T00:00:00Z", StampForm.OTHER, None, 0.0),
        (True, StampForm.OTHER, None, 0.0),
        ({"t": 1}, StampForm.OTHER, None, 0.0),
    ],
)
def test_parse_stamp(raw, form, epoch, resolution):
    stamp = parse_stamp(raw)
    assert stamp.form is form
    assert stamp.raw == raw  # always kept as sent
    assert stamp.epoch == (None if epoch is None else pytest.approx(epoch, abs=1e-6))
    assert stamp.resolution == pytest.approx(resolution)
    assert stamp.unparseable is (form is StampForm.OTHER)


def test_server_duration_is_a_difference_with_the_coarser_resolution():
    start, end = parse_stamp("2026-01-01T00:00:00.100Z"), parse_stamp("2026-01-01T01:00:01+01:00")
    assert server_duration(start, end) == (pytest.approx(0.9), 1.0)
    assert server_duration(start, parse_stamp(None)) is None
    assert server_duration(parse_stamp("garbage"), end) is None


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _record(rid: str, e2e: tuple[float, float], created: object, finished: object) -> JobRecord:
    rec = JobRecord("s", "p", T0, T0, T0 + 0.002, request_id=rid, outcome="completed")
    rec.intervals = {"end_to_end": e2e}
    rec.note_result({"status": "succeeded", "created_at": created, "finished_at": finished})
    return rec


def test_comparison_within_outside_and_resolution():
    inside = _record("in", (1.0, 1.2), _iso(T0 + 0.001), _iso(T0 + 1.101))
    edge = _record("edge", (1.0, 1.2), _iso(T0 + 0.001), _iso(T0 + 1.2015))  # 1.2005: within 1ms
    late = _record("late", (1.0, 1.2), _iso(T0 + 0.001), _iso(T0 + 1.5))
    comparisons = [compare_job(r) for r in (inside, edge, late)]
    assert [c.within for c in comparisons if c] == [True, True, False]
    assert comparisons[2] is not None
    assert comparisons[2].excess == pytest.approx(0.299, abs=1e-3)
    early = compare_job(_record("early", (1.0, 1.2), T0, T0 + 0.5))  # epoch numbers, to 1 s
    assert early is not None
    assert early.within


def test_section_counts_lists_outside_and_estimates_offset():
    records = [_record(f"j{i}", (1.0, 1.2), _iso(T0 + 0.001), _iso(T0 + 1.1)) for i in range(5)]
    records.append(_record("late", (1.0, 1.2), _iso(T0 + 0.001), _iso(T0 + 3.0)))
    records.append(_record("odd", (1.0, 1.2), "tuesday", _iso(T0 + 1.1)))
    records.append(_record("skewed", (1.0, 1.2), _iso(T0 + 5.001), _iso(T0 + 6.1)))
    records.append(JobRecord("s", "p", T0, T0, T0, request_id="cancelled", outcome="cancelled"))
    section = server_times_section(records)
    assert section.results_read == 8
    assert section.formats["created_at"] == {"iso8601_utc_z": 7, "other": 1}
    assert section.unparseable == 1
    assert section.unparseable_examples == [Unparseable("odd", "created_at", "tuesday")]
    # the skewed clock shifts both stamps: its duration still agrees, only the offset shows it
    assert (section.compared, section.within, section.outside) == (7, 6, 1)
    assert [e.request_id for e in section.outside_examples] == ["late"]
    assert section.resolution == pytest.approx(0.001)
    off = section.clock_offset
    assert off.jobs == 7
    assert off.median == pytest.approx(0.0, abs=1e-6)  # created_at at the submit midpoint
    assert off.max == pytest.approx(5.0)
    assert off.median_half_rtt == pytest.approx(0.001, abs=1e-6)
    assert section.end_to_end is not None
    assert section.end_to_end.server_p50 == pytest.approx(1.099)
    line = server_times_line(section)
    assert "within client bounds 6/7" in line
    assert "(late)" in line
    assert "1 stamps unparseable" in line
    json.dumps(to_plain(section))  # plain data


def test_no_result_read_is_reported_not_an_error(capsys):
    section = server_times_section([JobRecord("s", "p", T0, T0, T0, outcome="lost")])
    assert section.results_read == 0
    assert "no /result was read" in server_times_line(section)
    run = RunResults("queue-latency", records=[JobRecord("s", "p", T0, T0, T0, outcome="lost")])
    report = build_report(
        {"queue-latency": [run]}, base_url="http://x", embedded=False, target_wait=1.0, settings={}
    )
    print_summary(report)
    assert "server timestamps: no /result was read" in capsys.readouterr().out


@pytest.mark.parametrize("skew", [0.0, 120.0])
def test_the_flow_records_the_stamps_raw_and_parsed_and_they_agree(skew):
    """The respx mock's own stamps on /result, shifted by `skew` (a server clock ahead)."""
    with bench() as b:

        def send(step: Send) -> Received:
            received = b.client.send(step)
            answer = received.response
            if not step.request.url.path.endswith("/result"):
                return received
            body = json.loads(answer.content)
            for key in ("created_at", "finished_at"):
                body[key] = _iso(parse_stamp(body[key]).epoch + skew)  # type: ignore[operator]
            shifted = httpx.Response(answer.status_code, json=body, request=step.request)
            return Received(shifted, received.body)

        job = b.job()
        rec: JobRecord = drive(job.flow(b.body), send, b.api.clock.sleep)
        truth = b.truth(rec.request_id)
    finished = float(truth["finished_at"])  # type: ignore[arg-type]
    e2e = finished - float(truth["submitted_at"])  # type: ignore[arg-type]
    assert rec.outcome == "completed"
    assert rec.result_read
    assert isinstance(rec.server_created_at, str)
    assert rec.server_created_at.endswith("Z")
    assert rec.server_finished == pytest.approx(finished + skew, abs=0.001)
    comparison = compare_job(rec)
    assert comparison is not None
    assert comparison.within
    section = server_times_section([rec])
    assert section.within == 1
    assert section.clock_offset.median == pytest.approx(skew, abs=0.002)
    # never substituted: the client's end-to-end stays the polled interval around the truth
    lower, upper = rec.intervals["end_to_end"]
    assert lower <= e2e <= upper
    back = JobRecord.from_dict(json.loads(json.dumps(rec.to_dict())))
    assert back.server_created_at == rec.server_created_at
    assert back.server_end_to_end == rec.server_end_to_end
    assert rec.to_dict()["server_end_to_end"] == pytest.approx(e2e, abs=0.001)


def test_section_and_line_figure_by_figure():
    # created_at 1, 2, 3 and 4 ms after each submit's midpoint (T0 + 1 ms)
    records = [
        _record("a", (1.0, 1.2), _iso(T0 + 0.002), _iso(T0 + 1.1)),
        _record("b", (1.0, 1.2), _iso(T0 + 0.003), _iso(T0 + 1.5)),
        _record("c", (1.0, 1.2), _iso(T0 + 0.004), _iso(T0 + 2.0)),
        _record("d", (2.0, 2.4), _iso(T0 + 0.005), _iso(T0 + 2.205)),
    ]
    section = server_times_section(records)
    assert [e.request_id for e in section.outside_examples] == ["c", "b"]  # farthest first
    far = section.outside_examples[0].to_dict()
    assert set(far) == {"request_id", "server_end_to_end", "client_lower", "client_upper",
                        "resolution", "outside_by"}  # fmt: skip
    assert far["request_id"] == "c"
    assert (far["client_lower"], far["client_upper"]) == (1.0, 1.2)
    assert far["server_end_to_end"] == pytest.approx(1.996)
    assert far["resolution"] == pytest.approx(0.001, abs=1e-9)
    assert far["outside_by"] == pytest.approx(0.796)
    off = section.clock_offset
    assert off.jobs == 4
    assert off.median == pytest.approx(0.002, abs=1e-6)
    assert off.min == pytest.approx(0.001, abs=1e-6)
    assert off.max == pytest.approx(0.004, abs=1e-6)
    assert off.spread == pytest.approx(0.003, abs=1e-6)
    assert off.median_half_rtt == pytest.approx(0.001, abs=1e-6)
    e2e = section.end_to_end
    assert e2e is not None
    assert (e2e.server_p50, e2e.server_p95) == (pytest.approx(1.497), pytest.approx(2.2))
    assert (e2e.client_p50, e2e.client_p95) == (pytest.approx(1.1), pytest.approx(2.2))
    assert server_times_line(section) == (
        "server timestamps: server end-to-end within client bounds 2/4 (±0.001s resolution), "
        "outside 2 (c, b); clock offset (server - client) median +2.0 ms [+1.0, +4.0] "
        "(±1.0 ms submit half-RTT); created_at format iso8601_utc_z=4"
    )


def test_results_read_but_nothing_to_compare():
    rec = _record("x", (1.0, 1.2), "tuesday", "wednesday")
    rec.intervals = {}
    section = server_times_section([rec])
    assert (section.results_read, section.compared, section.resolution) == (1, 0, None)
    assert section.end_to_end is None
    assert section.clock_offset == ClockOffset()
    assert section.unparseable == 2
    assert server_times_line(section) == (
        "server timestamps: no job had both server stamps parsed and a client end-to-end "
        "interval; 2 stamps unparseable (kept raw); created_at format other=1"
    )
