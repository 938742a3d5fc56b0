"""HDR histograms of job-level metrics, mergeable across processes as encoded strings.

Durations are recorded in microseconds, counts and bytes as themselves: percentiles come from
the merged histograms (3 significant digits), never from averaging per-worker percentiles.

A value over its unit's range (a duration over 24 h, a count over 10^12) is counted, never
dropped: it is recorded at twice the limit, a bucket no value within the range shares, so the
histogram itself carries the overflow through encoding and merging. A summary reports how many
overflowed, and a figure that falls on them reads as the limit (the most the range can say; a
value within the limit's own bucket, 0.1% wide, reads as the limit too).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hdrh.histogram import HdrHistogram

from harness.load.measure.metrics import unit_of
from harness.load.measure.quantiles import hdr_percentile

__all__ = ["OVERFLOW_SECONDS", "PERCENTILES", "MetricHistograms", "Summary", "mean_value",
           "overflow_limit", "unit_of"]  # fmt: skip

PERCENTILES = (50.0, 90.0, 95.0, 99.0)
_MAX_MICROS = 24 * 3600 * 1_000_000
_MAX_COUNT = 10**12
OVERFLOW_SECONDS = _MAX_MICROS / 1_000_000  # durations over this are counted as overflow


@dataclass(frozen=True)
class Summary:
    count: int
    p50: float
    p90: float
    p95: float
    p99: float
    max: float
    mean: float
    unit: str
    overflow: int = 0  # values over the range, in `count`; figures on them read as the limit

    def to_dict(self) -> dict[str, Any]:
        names = ("count", "p50", "p90", "p95", "p99", "max", "mean", "unit", "overflow")
        return {name: getattr(self, name) for name in names}


def mean_value(hist: HdrHistogram, cap: int | None = None) -> float:
    """`hist.get_mean_value()`, the same sum, over the recorded buckets only: hdrh walks every
    bucket of the range (tens of thousands) in Python, a tenth of a second per summary.
    With `cap`, no value counts as more than `cap` (overflow counted at the limit)."""
    total_count = int(hist.get_total_count())
    if not total_count:
        return 0.0
    counts = np.ctypeslib.as_array(hist.counts)[: hist.counts_len]
    total: int = 0
    for index in np.flatnonzero(counts).tolist():
        top = hist.get_highest_equivalent_value(hist.get_value_from_index(index))
        value = hist._hdr_median_equiv_value(top)
        total += hist.get_count_at_index(index) * (value if cap is None else min(value, cap))
    return float(total) / total_count


def _limit(metric: str) -> int:
    """The largest value a metric's histogram holds as itself (µs for durations)."""
    return _MAX_COUNT if unit_of(metric) == "count" else _MAX_MICROS


def overflow_limit(unit: str) -> float:
    """The largest value a metric of `unit` ("s" or "count") is summarised as: more overflows."""
    return float(_MAX_COUNT) if unit == "count" else OVERFLOW_SECONDS


def _new(metric: str) -> HdrHistogram:
    return HdrHistogram(1, 2 * _limit(metric), 3)


class MetricHistograms:
    """One HDR histogram per metric key (`metric` or `metric|policy`)."""

    def __init__(self) -> None:
        self._hists: dict[str, HdrHistogram] = {}

    def names(self) -> list[str]:
        return sorted(self._hists)

    def record(self, metric: str, value: float) -> None:
        """`value` in seconds for durations, as-is for counts; negatives clamp to 0."""
        scaled = value if unit_of(metric) == "count" else value * 1_000_000
        hist = self._hists.get(metric)
        if hist is None:
            hist = self._hists[metric] = _new(metric)
        recorded, limit = max(0, round(scaled)), _limit(metric)
        hist.record_value(recorded if recorded <= limit else 2 * limit)

    def encode(self) -> dict[str, str]:
        return {key: hist.encode().decode("ascii") for key, hist in self._hists.items()}

    def merge_encoded(self, encoded: dict[str, str]) -> None:
        for key, text in encoded.items():
            incoming = HdrHistogram.decode(text.encode("ascii"))
            hist = self._hists.get(key)
            if hist is None:
                hist = self._hists[key] = _new(key)
            hist.add(incoming)

    def merge(self, other: MetricHistograms) -> None:
        self.merge_encoded(other.encode())

    def clear(self) -> None:
        self._hists.clear()

    def summary(self, metric: str) -> Summary | None:
        hist = self._hists.get(metric)
        if hist is None or hist.get_total_count() == 0:
            return None
        scale = 1.0 if unit_of(metric) == "count" else 1e-6
        total, limit = int(hist.get_total_count()), _limit(metric)

        def shown(value: int) -> float:  # overflow reads as the limit (as does the top bucket)
            return min(value, limit) * scale

        values = [
            shown(hist.get_value_at_percentile(hdr_percentile(p / 100, total))) for p in PERCENTILES
        ]
        return Summary(
            count=total,
            p50=values[0],
            p90=values[1],
            p95=values[2],
            p99=values[3],
            max=shown(hist.get_max_value()),
            mean=mean_value(hist, cap=limit) * scale,
            unit=unit_of(metric),
            overflow=int(hist.get_count_at_value(2 * limit)),
        )

    def summaries(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for key in self.names():
            summary = self.summary(key)
            if summary is not None:
                out[key] = summary.to_dict()
        return out
