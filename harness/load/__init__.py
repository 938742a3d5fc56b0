"""Load and latency measurement (issue 5).

Three concerns, one subpackage each: `measure` (pure measurement and judging, re-exported
here), `swarm` (Locust glue, loaded only inside a Locust process) and `run` (orchestration).
"""

from harness.load.measure.accounting import Accounting, AccountingError, Bucket
from harness.load.measure.advice import PolicyPoint, advise
from harness.load.measure.capacity import CapacityModel, erlang_c
from harness.load.measure.histograms import MetricHistograms
from harness.load.measure.intervals import Interval, JobTimes, job_times
from harness.load.measure.jobs import JobRecord
from harness.load.measure.results import RunResults
from harness.load.measure.slo import parse_slo

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
