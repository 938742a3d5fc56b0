"""Load and latency measurement (issue 5).

The modules re-exported here are pure (no Locust): intervals, accounting, histograms,
capacity model, advice, SLO gates. `harness.load.users` and `harness.load.locust_events`
import Locust and are loaded only inside a Locust process.
"""

from harness.load.accounting import Accounting, AccountingError, Bucket
from harness.load.advice import PolicyPoint, advise
from harness.load.capacity import CapacityModel, erlang_c
from harness.load.histograms import MetricHistograms
from harness.load.intervals import Interval, JobTimes, job_times
from harness.load.jobs import JobRecord
from harness.load.results import RunResults
from harness.load.slo import parse_slo

__all__ = [
    "Accounting",
    "AccountingError",
    "Bucket",
    "CapacityModel",
    "Interval",
    "JobRecord",
    "JobTimes",
    "MetricHistograms",
    "PolicyPoint",
    "RunResults",
    "advise",
    "erlang_c",
    "job_times",
    "parse_slo",
]
