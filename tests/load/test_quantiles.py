"""The project's one quantile rule (nearest rank), and HDR summaries that follow it."""

from __future__ import annotations

import pytest

from harness.load.measure.histograms import MetricHistograms
from harness.load.measure.quantiles import hdr_percentile, median, quantile, rank


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1, 2, 3, 4], 0.5, 2),  # rank ceil(2) = 2: a value that occurred, not 2.5
        ([1, 2, 3, 4, 5], 0.5, 3),
        (list(range(1, 101)), 0.95, 95),
        (list(range(1, 21)), 0.95, 19),
        (list(range(1, 12)), 0.95, 11),  # ceil(10.45) = 11 (rounding half up would say 10)
        (list(range(1, 11)), 0.7, 7),  # 0.7 * 10 is 7.000000000000001: still rank 7
        ([5, 1, 3], 0.0, 1),
        ([5, 1, 3], 1.0, 5),
        ([7], 0.99, 7),
        ([1, 2], 0.75, 2),
        ([1, 2, 3, 4], 0.6, 3),  # ceil(2.4) = 3
        ([1, 2, 3, 4], 0.5000001, 3),
    ],
)
def test_one_quantile_rule(values, q, expected):
    assert quantile(values, q) == expected


def test_the_rule_is_hdr_histograms_rule_and_refuses_nonsense():
    for n in (1, 2, 7, 11, 40, 66, 101):  # 11 and 66: HDR's own rounding would differ
        hists = MetricHistograms()
        values = [0.01 * k for k in range(1, n + 1)]
        for v in values:
            hists.record("queue_wait", v)
        summary = hists.summary("queue_wait")
        assert summary is not None
        for got, q in ((summary.p50, 0.5), (summary.p90, 0.9), (summary.p95, 0.95),
                       (summary.p99, 0.99)):  # fmt: skip
            assert got == pytest.approx(quantile(values, q), rel=1e-3), (n, q)
        assert summary.p50 == pytest.approx(median(values), rel=1e-3)
    assert rank(0.5, 1) == 1
    assert rank(0.0, 10) == 1
    assert rank(1.0, 10) == 10
    assert rank(0.95, 20) == 19
    assert hdr_percentile(0.95, 11) == pytest.approx((11 - 0.25) * 100 / 11)
    assert hdr_percentile(1.0, 4) == 93.75  # rank 4 of 4: int(3.75 + 0.5)
    for bad in ((0.5, 0), (1.5, 3), (-0.1, 3)):
        with pytest.raises(ValueError):  # noqa: PT011
            rank(*bad)


def test_the_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"^no values$"):
        quantile([], 0.5)
    with pytest.raises(ValueError, match=r"^quantile 1\.5 outside \[0, 1\]$"):
        rank(1.5, 3)


@pytest.mark.parametrize("seed", range(8))
def test_the_mean_is_hdrs_own_mean_over_the_recorded_buckets_only(seed):
    import random

    from hdrh.histogram import HdrHistogram

    from harness.load.measure.histograms import mean_value

    rng = random.Random(seed)
    hists, other = MetricHistograms(), MetricHistograms()
    for _ in range(rng.randint(1, 300)):
        hists.record("queue_wait", rng.random() * rng.choice([0.01, 3.0, 3000.0]))
        hists.record("polls_per_job", rng.randint(0, 10 ** rng.randint(1, 9)))
        other.record("queue_wait", rng.random())
    hists.merge(other)  # merged across processes, as the report sees them
    for key in ("queue_wait", "polls_per_job"):
        hist = hists._hists[key]
        assert mean_value(hist) == hist.get_mean_value()
        decoded = HdrHistogram.decode(hist.encode())
        assert mean_value(decoded) == decoded.get_mean_value()
        summary = hists.summary(key)
        assert summary is not None
        scale = 1e-6 if key == "queue_wait" else 1.0
        assert summary.mean == pytest.approx(hist.get_mean_value() * scale)
    assert mean_value(HdrHistogram(1, 1000, 3)) == 0.0
