"""The report's capacity section pinned: which jobs feed the answer, and every field it keeps.

The expected sections are assembled here from the parts (`gather`, `answer`) on the same
simulated runs, so that the section's wiring (which figure goes under which key) is checked
field by field, and the predictor's inputs are recorded."""

from __future__ import annotations

import math

import pytest

from harness.load.measure.capacity import FormulaPredictor, ServiceFit, answer
from harness.load.measure.capacity_report import accepted, capacity_section, formula_predictor
from harness.load.measure.intervals import Interval
from harness.load.measure.jobs import JobRecord
from harness.load.measure.saturation import Span, gather
from tests.load.simulated import simulate


def _expected(records: list[JobRecord], target: float, predictor) -> dict:
    jobs = sorted((r for r in records if r.request_id), key=lambda r: r.submit_sent)
    runs = [r.interval("run_time") if r.outcome == "completed" else None for r in jobs]
    services = [None if iv is None else iv.point for iv in runs]
    spans = [
        Span(Interval(r.submit_sent, r.submit_acked), r.interval("started"), r.interval("finished"))
        for r in jobs
    ]
    evidence = gather(spans)
    waits = [r.interval("queue_wait") for r in jobs if r.interval("queue_wait")]
    widths = [iv.width for iv in runs if iv is not None]
    found = answer(evidence, services, [r.submit_sent for r in jobs], waits, widths,
                   target=target, predictor=predictor)  # fmt: skip
    return {"found": found, "evidence": evidence}


def _fields(section: dict, found, evidence, target: float) -> None:
    assert section["available"] is True
    for key, value in found.to_dict().items():
        assert section[key] == value, key
    assert section["lower_bound"] is found.lower_bound
    assert section["max_concurrent_running_seen"] == evidence.peak_running
    assert section["standing_queue_share"] == evidence.queued_share
    assert section["target_p95_queue_wait"] == target
    assert section["saturation_rate_predicted"] == found.saturation_rate
    assert section["max_rate_for_target"] == found.max_rate
    assert section["offered_rate_measured"] == found.offered_rate
    assert section["p95_queue_wait_measured"] == found.measured[1]
    assert section["p95_queue_wait_predicted"] == found.predicted
    assert section["overloaded"] is evidence.saturated


def test_a_saturated_run_gives_an_estimate_with_every_field():
    records = simulate().results.records
    services = [r.interval("run_time").point for r in accepted(records)]  # type: ignore[union-attr]
    parts = _expected(records, 1.0, formula_predictor(services))
    section = capacity_section(records, target_wait=1.0)
    assert section["kind"] == "estimate"
    assert section["note"] == ""
    assert section["servers"] == 2
    _fields(section, parts["found"], parts["evidence"], 1.0)
    assert section["curve"] == _curve(formula_predictor(services), section)
    assert len(section["curve"]) == 19  # 5% to 95% of the saturation rate


def test_an_unsaturated_run_is_a_lower_bound_and_says_so():
    records = simulate(rate=1.0, servers=4, jobs=30).results.records
    services = [r.interval("run_time").point for r in accepted(records)]  # type: ignore[union-attr]
    parts = _expected(records, 2.5, formula_predictor(services))
    section = capacity_section(records, target_wait=2.5)
    assert section["kind"] == "lower bound"
    assert section["note"] == "never saw every server busy: a lower bound"
    assert section["overloaded"] is False
    _fields(section, parts["found"], parts["evidence"], 2.5)
    assert section["curve"] == _curve(formula_predictor(services), section)


def _curve(predictor, section: dict) -> list[list[float]]:
    servers, saturation = section["servers"], section["saturation_rate"]
    points = [(saturation * k / 20, predictor.wait_quantile(servers, saturation * k / 20, 0.95))
              for k in range(1, 20)]  # fmt: skip
    return [[rate, wait] for rate, wait in points if math.isfinite(wait)]


def test_arrivals_that_are_not_poisson_change_the_model():
    records = simulate(rate=1.0, servers=4, jobs=30).results.records
    services = [r.interval("run_time").point for r in accepted(records)]  # type: ignore[union-attr]
    fixed = formula_predictor(services, poisson=False)
    parts = _expected(records, 2.5, fixed)
    section = capacity_section(records, target_wait=2.5, poisson=False)
    _fields(section, parts["found"], parts["evidence"], 2.5)
    assert section["curve"] == _curve(fixed, section)
    assert len(section["curve"]) == 19
    assert section["max_rate"] != capacity_section(records, target_wait=2.5)["max_rate"]


def test_the_formula_predictor_fits_the_services():
    fit = ServiceFit.of([1.0, 2.0, 3.0])
    assert formula_predictor([1.0, 2.0, 3.0]) == FormulaPredictor(fit.mean, fit.cv2, 1.0)
    assert formula_predictor([1.0, 2.0, 3.0], poisson=False) == FormulaPredictor(2.0, fit.cv2, 0.0)


def test_accepted_keeps_jobs_with_an_id_in_submit_order():
    a = JobRecord("s", "p", 0.0, 3.0, 3.1, request_id="a")
    b = JobRecord("s", "p", 0.0, 1.0, 1.1, request_id="b")
    refused = JobRecord("s", "p", 0.0, 0.5, 0.6)
    assert accepted([a, refused, b]) == [b, a]


class Recording:
    """Waits rise with the rate; infinite at and past 3 jobs/s; remembers what it was given."""

    def __init__(self, services) -> None:
        self.services = list(services)

    def wait_quantile(self, servers: int, rate: float, q: float) -> float:
        return math.inf if rate >= 3.0 else rate * 10 + servers + q

    def max_rate(self, servers: int, target: float, q: float) -> float:
        return 1.5

    def replay_quantile(self, servers, submits, services, q) -> float:
        return 0.0


def test_the_predictor_gets_the_completed_run_times_in_submit_order():
    made: list[Recording] = []

    def make(services):
        made.append(Recording(services))
        return made[-1]

    records = simulate(rate=1.0, servers=4, jobs=30).results.records
    failed = records[3]
    failed.outcome = "failed"  # its run time is not a service time
    section = capacity_section(records, target_wait=1.0, predictor_for=make)
    jobs = accepted(records)
    expected = [r.interval("run_time").point for r in jobs if r is not failed]  # type: ignore[union-attr]
    assert made[0].services == expected
    assert len(made) == 1
    servers, saturation = section["servers"], section["saturation_rate"]
    points = [saturation * k / 20 for k in range(1, 20)]
    assert section["curve"] == [[rate, rate * 10 + servers + 0.95] for rate in points if rate < 3.0]
    assert 0 < len(section["curve"]) < 19


def _job(rid: str, sent: float, run: tuple[float, float] | None, wait: bool = True) -> JobRecord:
    rec = JobRecord("s", "p", sent, sent, sent + 0.01, request_id=rid, outcome="completed")
    if run is not None:
        rec.intervals["run_time"] = run
        rec.intervals["started"] = (sent + 0.5, sent + 0.6)
        rec.intervals["finished"] = (sent + 0.5 + run[0], sent + 0.6 + run[1])
    if wait:
        rec.intervals["queue_wait"] = (0.49, 0.6)
    return rec


UNAVAILABLE = {"available": False, "reason": "fewer than 2 completed jobs with a run time"}


def test_fewer_than_two_run_times_or_no_waits_is_unavailable():
    assert capacity_section([], target_wait=1.0) == UNAVAILABLE
    one = [_job("a", 0.0, (1.0, 1.2)), _job("b", 1.0, None)]
    assert capacity_section(one, target_wait=1.0) == UNAVAILABLE
    unwaited = [_job("a", 0.0, (1.0, 1.2), wait=False), _job("b", 1.0, (1.0, 1.2), wait=False)]
    assert capacity_section(unwaited, target_wait=1.0) == UNAVAILABLE
    refused = JobRecord(
        "s", "p", 0.0, 0.0, 0.0, outcome="completed", intervals={"run_time": (1, 2)}
    )
    assert capacity_section([_job("a", 0.0, (1.0, 1.2)), refused], target_wait=1.0) == UNAVAILABLE


def test_two_run_times_are_not_enough_load_and_name_the_next_rate():
    two = [_job("a", 0.0, (1.0, 1.2)), _job("b", 2.0, (1.0, 1.4))]
    section = capacity_section(two, target_wait=1.0)
    assert section == {
        "available": False,
        "next_rate": pytest.approx(1.0),  # twice the offered 0.5 jobs/s
        "reason": "not enough load to tell (2 completed jobs with a run time; 10 needed); "
        "next, run at 1 jobs/s",
    }


def test_a_single_instant_of_submits_has_no_next_rate():
    two = [_job("a", 0.0, (1.0, 1.2)), _job("b", 0.0, (1.0, 1.4))]
    section = capacity_section(two, target_wait=1.0)
    assert section["next_rate"] is None
    assert section["reason"].endswith("; next, run at 0 jobs/s")


def test_an_ack_before_the_send_is_read_as_instant():
    records = simulate(rate=1.0, servers=4, jobs=30).results.records
    for rec in records:
        rec.submit_acked = rec.submit_sent - 0.5  # clocks disagree: the span stays valid
    assert capacity_section(records, target_wait=1.0)["available"] is True
