"""Metric histograms pinned: units, rounding, clamping, ranges, merging and exact summaries."""

from __future__ import annotations

import pytest

from harness.load.measure.histograms import (
    OVERFLOW_SECONDS,
    PERCENTILES,
    MetricHistograms,
    Summary,
    mean_value,
    overflow_limit,
)


def _counts(values: range, key: str = "polls_per_job") -> MetricHistograms:
    hists = MetricHistograms()
    for v in values:
        hists.record(key, v)
    return hists


def test_percentiles_are_the_nearest_rank_of_the_merged_values():
    assert PERCENTILES == (50.0, 90.0, 95.0, 99.0)
    assert _counts(range(1, 101)).summary("polls_per_job") == Summary(
        count=100, p50=50.0, p90=90.0, p95=95.0, p99=99.0, max=100.0, mean=50.5, unit="count"
    )


def test_summary_to_dict_keeps_every_field_in_order():
    summary = _counts(range(1, 3)).summary("polls_per_job")
    assert summary is not None
    assert list(summary.to_dict().items()) == [
        ("count", 2), ("p50", 1.0), ("p90", 2.0), ("p95", 2.0), ("p99", 2.0), ("max", 2.0),
        ("mean", 1.5), ("unit", "count"), ("overflow", 0),
    ]  # fmt: skip


def test_durations_are_kept_in_whole_microseconds_and_read_back_in_seconds():
    hists = MetricHistograms()
    hists.record("queue_wait", 0.0015)
    hists.record("queue_wait", 0.0000016)  # 1.6 µs rounds to 2 µs
    hists.record("queue_wait|fixed-1s", -3.0)  # a negative duration clamps to zero
    wait = hists.summary("queue_wait")
    assert wait is not None
    assert (wait.count, wait.p50, wait.max, wait.unit) == (2, 2e-6, 0.0015, "s")
    assert wait.mean == pytest.approx(0.000751)
    clamped = hists.summary("queue_wait|fixed-1s")
    assert clamped is not None
    assert (clamped.max, clamped.unit) == (0.0, "s")


def test_counts_are_rounded_to_whole_numbers_and_clamped_at_zero():
    hists = MetricHistograms()
    hists.record("bytes_per_job", 2.6)
    hists.record("bytes_per_job", -4)
    summary = hists.summary("bytes_per_job")
    assert summary is not None
    assert (summary.count, summary.p50, summary.max) == (2, 0.0, 3.0)


def test_three_significant_digits_and_the_ranges_each_unit_holds():
    hists = MetricHistograms()
    hists.record("run_time", 0.123456)
    hists.record("end_to_end", 86_400.0)  # a whole day of duration fits
    hists.record("bytes_per_job", 5 * 10**11)  # half a terabyte of bytes fits
    run = hists.summary("run_time")
    assert run is not None
    assert run.max == pytest.approx(0.123519)
    day = hists.summary("end_to_end")
    assert day is not None
    assert day.count == 1
    assert day.max == pytest.approx(86_400.0, rel=1e-3)
    big = hists.summary("bytes_per_job")
    assert big is not None
    assert big.count == 1
    assert big.max == pytest.approx(5e11, rel=1e-3)


def test_names_are_sorted_and_clear_forgets_them():
    hists = MetricHistograms()
    for key in ("run_time", "end_to_end", "queue_wait|a"):
        hists.record(key, 1.0)
    assert hists.names() == ["end_to_end", "queue_wait|a", "run_time"]
    assert hists.summary("nothing") is None
    hists.clear()
    assert hists.names() == []
    assert hists.summaries() == {}


def test_merging_adds_counts_into_existing_and_new_keys():
    left, right = _counts(range(1, 3)), _counts(range(3, 5))
    right.record("run_time", 0.002)
    left.merge(right)
    assert left.names() == ["polls_per_job", "run_time"]
    merged = left.summary("polls_per_job")
    assert merged is not None
    assert (merged.count, merged.max, merged.mean) == (4, 4.0, 2.5)
    run = left.summary("run_time")
    assert run is not None
    assert (run.count, run.max, run.unit) == (1, 0.002, "s")
    assert right.summary("polls_per_job") is not None  # the source is left as it was
    assert right.summary("polls_per_job").count == 2  # type: ignore[union-attr]


def test_encoded_histograms_round_trip_and_an_empty_one_has_no_summary():
    source = _counts(range(1, 101))
    encoded = source.encode()
    assert list(encoded) == ["polls_per_job"]
    assert all(isinstance(v, str) for v in encoded.values())
    copy = MetricHistograms()
    copy.merge_encoded(encoded)
    assert copy.summary("polls_per_job") == source.summary("polls_per_job")
    blank = _counts(range(0))
    blank.merge_encoded({"wasted_polls": _encoded_empty()})
    assert blank.names() == ["wasted_polls"]
    assert blank.summary("wasted_polls") is None
    assert blank.summaries() == {}


def _encoded_empty() -> str:
    from hdrh.histogram import HdrHistogram

    return HdrHistogram(1, 10**12, 3).encode().decode("ascii")


def test_summaries_lists_every_key_with_values():
    hists = _counts(range(1, 3))
    hists.record("run_time", 0.002)
    out = hists.summaries()
    assert list(out) == ["polls_per_job", "run_time"]
    assert out["run_time"] == {
        "count": 1, "p50": 0.002, "p90": 0.002, "p95": 0.002, "p99": 0.002, "max": 0.002,
        "mean": 0.002, "unit": "s", "overflow": 0,
    }  # fmt: skip


DAY = 24 * 3600.0


def test_durations_over_a_day_are_counted_as_overflow_not_dropped():
    assert OVERFLOW_SECONDS == DAY
    hists = MetricHistograms()
    for seconds in (1.0, 2.0, DAY, DAY + 1e-6, 100 * 3600.0, 10.0**9):
        hists.record("queue_wait", seconds)
    wait = hists.summary("queue_wait")
    assert wait is not None
    assert (wait.count, wait.overflow) == (6, 3)  # a whole day is in range, a µs more is not
    assert wait.p50 == pytest.approx(DAY, rel=1e-3)  # the third value: a day, in range
    assert (wait.p90, wait.p99, wait.max) == (DAY, DAY, DAY)  # on overflow: the limit
    assert wait.mean == pytest.approx((1 + 2 + 4 * DAY) / 6, rel=1e-3)  # overflow at the limit
    assert wait.to_dict()["overflow"] == 3


def test_an_in_range_figure_is_not_mistaken_for_overflow():
    hists = MetricHistograms()
    for _ in range(99):
        hists.record("end_to_end", 1.5)
    hists.record("end_to_end", 2 * DAY)
    summary = hists.summary("end_to_end")
    assert summary is not None
    assert summary.overflow == 1
    assert summary.p95 == pytest.approx(1.5, rel=1e-3)
    assert summary.p99 == pytest.approx(1.5, rel=1e-3)
    assert summary.max == DAY
    only_day = MetricHistograms()
    only_day.record("end_to_end", DAY)
    day = only_day.summary("end_to_end")
    assert day is not None
    assert day.overflow == 0
    assert day.max == DAY  # its bucket's top is a little over: read as the limit
    hour = MetricHistograms()
    hour.record("end_to_end", 3600.0)
    assert hour.summary("end_to_end").max == pytest.approx(3600.0, rel=1e-3)  # type: ignore[union-attr]


def test_overflow_limits_by_unit():
    assert overflow_limit("s") == DAY
    assert overflow_limit("count") == 1e12
    assert isinstance(overflow_limit("count"), float)


def test_counts_over_their_range_overflow_too():
    hists = MetricHistograms()
    hists.record("bytes_per_job", 10**12)
    hists.record("bytes_per_job", 10**12 + 1)
    hists.record("bytes_per_job", 10**15)
    summary = hists.summary("bytes_per_job")
    assert summary is not None
    assert (summary.count, summary.overflow, summary.max) == (3, 2, 1e12)
    assert summary.p50 == 1e12


def test_overflow_survives_encoding_and_merging():
    left, right = MetricHistograms(), MetricHistograms()
    left.record("queue_wait", 3 * DAY)
    right.record("queue_wait", 5 * DAY)
    right.record("queue_wait", 0.5)
    left.merge(right)
    merged = left.summary("queue_wait")
    assert merged is not None
    assert (merged.count, merged.overflow) == (3, 2)
    copy = MetricHistograms()
    copy.merge_encoded(left.encode())
    assert copy.summary("queue_wait") == merged


def test_mean_value_caps_each_value_only_when_asked():
    hists = MetricHistograms()
    hists.record("polls_per_job", 10)
    hists.record("polls_per_job", 30)
    hist = hists._hists["polls_per_job"]
    assert mean_value(hist) == 20.0
    assert mean_value(hist, cap=20) == 15.0
    assert mean_value(hist, cap=30) == 20.0
