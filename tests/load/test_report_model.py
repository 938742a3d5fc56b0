"""The typed load report: built in one pass from runs, frozen, serialised as its JSON Schema
says; capacity, ground truth, accounting and SLO verdicts judged inside the build."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from harness.load.measure.accounting import AccountingError
from harness.load.measure.slo import parse_slo
from harness.load.run.report import Truth, build_report
from harness.load.run.report_model import REPORT_VERSION, LoadReport, to_plain
from harness.load.run.report_schema import report_schema
from harness.reports.load_json import report_data, write_json
from tests.load.report_schema import validate_report
from tests.load.simulated import simulate

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "schemas" / "load-report.schema.json"


def _report(slos: tuple[str, ...] = (), **runs_kw: object) -> LoadReport:
    sims = {
        "queue-latency": simulate(**runs_kw),  # type: ignore[arg-type]
        "polling": simulate("polling", policies=(0.05, 0.2), seed=1),
        "cancel": simulate("cancel", cancel_every=4, seed=2, violations=3),  # jobs 1, 2
    }
    truth = [t for s in sims.values() for t in s.truth]
    return build_report(
        {name: [s.results] for name, s in sims.items()}, base_url="http://127.0.0.1:9",
        embedded=True, target_wait=1.0, settings={"scenario": "all"},
        slos=[parse_slo(s) for s in slos], truth=Truth(truth, "", 2), generated_at=1.0,
    )  # fmt: skip


@pytest.fixture(scope="module")
def report() -> LoadReport:
    """Built once (HDR summaries cost a second): tests only read it (it is frozen)."""
    return _report(("lost==0", "violations==0", "queue_wait.p95<0.001s", "run_time.p50<10s"))


def validate(data: object) -> None:
    validate_report(data)


def test_the_committed_schema_is_the_models_schema():
    """Regenerate with `python -m harness.load.run.report_schema > schemas/...` on a change."""
    assert json.loads(SCHEMA_PATH.read_text()) == report_schema()
    Draft202012Validator.check_schema(report_schema())


def test_a_report_validates_and_round_trips_as_json(tmp_path, report):
    path = tmp_path / "r.json"
    write_json(report, path)
    data = json.loads(path.read_text())
    validate(data)
    assert data["version"] == REPORT_VERSION
    assert data == report_data(report)
    assert not list(tmp_path.glob("*.partial"))


def test_the_schema_refuses_what_the_model_would_not_write(report):
    data = report_data(report)
    validate(data)
    for broken in (
        {**data, "accounting": {**data["accounting"], "lots": 1}},  # unknown field
        {**data, "version": REPORT_VERSION + 1},
        {k: v for k, v in data.items() if k != "slos"},
        {**data, "interrupted": "no"},
    ):
        with pytest.raises(AssertionError):
            validate(broken)


def test_sections_are_frozen_once_built(report):
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.interrupted = True  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.scenarios["cancel"].capacity.servers = 9  # type: ignore[misc]


def test_accounting_adds_up_per_scenario_and_in_total(report):
    total = report.accounting
    assert total.submitted == sum(total.buckets().values()) == 180
    cancel = report.scenarios["cancel"].accounting
    assert (cancel.cancelled, cancel.completed) == (15, 45)
    assert total.submitted == sum(s.accounting.submitted for s in report.scenarios.values())


def test_a_submit_without_its_record_breaks_the_build():
    run = simulate(jobs=10).results
    run.submits_sent = 11
    with pytest.raises(AccountingError):
        build_report({"queue-latency": [run]}, base_url="http://x", embedded=False,
                     target_wait=1.0, settings={})  # fmt: skip


def test_ground_truth_inside_the_bounds_job_by_job_and_capacity_near_the_truth(report):
    for section in report.scenarios.values():
        gt = section.ground_truth
        assert gt.available
        assert gt.all_within, gt.misses
        assert gt.compared == section.accounting.completed
        cap = section.capacity
        assert cap.saturated
        assert cap.servers == 2
        assert cap.prediction_error is not None
        assert abs(cap.prediction_error) < 0.1
        assert 0 < cap.max_rate_for_target < cap.saturation_rate_predicted
    answer = report.capacity[0]
    assert (answer.scenario, answer.available, answer.lower_bound) == ("queue-latency", True, False)
    assert answer.max_rate == report.scenarios["queue-latency"].capacity.max_rate_for_target


def test_slo_verdicts_are_judged_inside_the_build(report):
    verdicts = [(v.slo, v.scope, v.passed) for v in report.slos]
    assert verdicts[:2] == [("lost==0", "all", True), ("violations==0", "all", False)]
    assert [v.passed for v in report.slos if v.slo.startswith("queue_wait")] == [False] * 3
    assert [v.passed for v in report.slos if v.slo.startswith("run_time")] == [True] * 3
    assert report.slos[1].actual == 2 == report.violations
    assert {v.unit for v in report.slos} == {"count", "s"}
    assert not report.slos_passed
    single = simulate(jobs=12).results
    alone = build_report({"queue-latency": [single]}, base_url="http://x", embedded=False,
                         target_wait=1.0, settings={}, slos=[parse_slo("lost==0")])  # fmt: skip
    assert alone.slos_passed


def test_sections_follow_the_scenario_registry(report):
    assert report.scenarios["polling"].advice is not None
    assert report.scenarios["polling"].cancel is None
    cancel = report.scenarios["cancel"].cancel
    assert cancel is not None
    assert report.scenarios["cancel"].advice is None
    assert [m.moment for m in cancel.moments][:2] == ["after_submit", "while_queued"]
    assert cancel.outcomes[0].jobs == 15
    assert report.scenarios["queue-latency"].summary.startswith("submit at the set rate")


def test_no_truth_is_said_so_and_repeats_give_confidence_rows():
    runs = [simulate(jobs=20, seed=s).results for s in (0, 1, 2)]
    report = build_report({"queue-latency": runs}, base_url="http://x", embedded=False,
                          target_wait=1.0, settings={})  # fmt: skip
    section = report.scenarios["queue-latency"]
    assert section.ground_truth.available is False
    assert "no ground truth" in section.ground_truth.reason
    assert section.repeats == 3
    row = next(c for c in section.confidence if c.metric == "queue_wait")
    assert len(row.p95_per_repeat) == 3
    assert row.t.low <= row.t.mean <= row.t.high
    validate(report_data(report))


def test_to_plain_writes_no_infinity_and_refuses_unknown_types():
    assert to_plain({"a": math.inf, "b": (1, 2.5)}) == {"a": None, "b": [1, 2.5]}
    with pytest.raises(TypeError, match="not report data"):
        to_plain(object())


def test_run_modules_do_not_import_locust():
    code = (
        "import sys, harness.load.run.execute, harness.load.run.settings, "
        "harness.reports.load_writers; print('locust' in sys.modules, 'gevent' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
