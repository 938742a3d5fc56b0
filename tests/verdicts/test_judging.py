"""The run's judgement: warm-up out of the figures, verdicts and goodput in the report, exits."""

from __future__ import annotations

import json

import pytest

from harness.cli import main
from harness.load.measure.results import RunResults
from harness.load.measure.slo import parse_slo
from harness.load.measure.verdicts import Verdict
from harness.load.measure.warmup import NO_WARMUP, Warmup, WarmupSplit, apply_warmup
from harness.load.run.judging import (
    ColdJobs,
    GoodputSection,
    WarmupSection,
    exit_code,
    goodput_section,
    honest_rows,
    judged_jobs,
    warmup_report,
)

from .jobsets import job


def _run(by_policy: bool = False) -> RunResults:
    run = RunResults("queue-latency", started_at=100.0)
    for i, wait in enumerate([9.0, 9.0, 0.5, 0.5, 0.5]):  # two slow (cold) jobs first
        run.add(job((wait, wait), at=100.0 + i), by_policy=by_policy)
    return run


def test_apply_warmup_rebuilds_the_figures_but_keeps_every_record():
    run = _run()
    kept, split = apply_warmup(run, Warmup(jobs=2))
    assert len(kept.records) == 5  # accounting still sees every job
    assert len(split.warmup) == 2
    summary = kept.histograms.summary("queue_wait")
    assert summary is not None
    assert summary.count == 3
    assert summary.max == pytest.approx(0.5, rel=1e-3)
    original = run.histograms.summary("queue_wait")
    assert original is not None
    assert original.max == pytest.approx(9.0, rel=1e-3)  # the run itself is untouched
    same, nothing = apply_warmup(run, NO_WARMUP)
    assert same is run
    assert nothing.warmup == []


def test_apply_warmup_flags_each_record():
    run = _run()
    run.records[4].warmup = True  # a flag from an earlier split is reset
    apply_warmup(run, Warmup(jobs=2))
    assert [r.warmup for r in run.records] == [True, True, False, False, False]
    assert all(r.warmup is True or r.warmup is False for r in run.records)


def test_apply_warmup_counts_from_the_runs_start():
    run = _run()  # jobs meant for 100.0, 101.0, ...
    run.started_at = 99.0
    _, split = apply_warmup(run, Warmup(seconds=2.0))
    assert [r.intended_at for r in split.warmup] == [100.0]  # before 99 + 2
    run.started_at = 0.0  # unknown: count from the first job
    kept, split = apply_warmup(run, Warmup(seconds=2.0))
    assert [r.intended_at for r in split.warmup] == [100.0, 101.0]
    assert not any("|" in key for key in kept.histograms.names())


def test_apply_warmup_keeps_per_policy_figures():
    kept, _ = apply_warmup(_run(by_policy=True), Warmup(seconds=2.0))
    assert "queue_wait|fixed:0.1" in kept.histograms.names()
    assert kept.histograms.summary("queue_wait|fixed:0.1").count == 3


@pytest.mark.parametrize(
    ("verdicts", "choice", "code"),
    [
        ([], None, 0),
        ([Verdict.PASS], None, 0),
        ([Verdict.PASS, Verdict.INCONCLUSIVE], None, 3),
        ([Verdict.INCONCLUSIVE], "pass", 0),
        ([Verdict.INCONCLUSIVE], "fail", 1),
        ([Verdict.INCONCLUSIVE, Verdict.FAIL], None, 1),
        ([Verdict.FAIL], "pass", 1),  # --inconclusive never turns a failure into a pass
    ],
)
def test_exit_codes(verdicts, choice, code):
    assert exit_code([v.value for v in verdicts], choice) == code


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--warmup", "soon"], "bad warm-up"),
        (["--confidence", "0.2"], "--confidence"),
        (["--junit", "{file}/x.xml"], "is not a folder"),
        (["--inconclusive", "maybe"], "invalid choice"),
    ],
)
def test_bad_verdict_options_fail_before_spending(tmp_path, capsys, argv, message):
    (tmp_path / "a-file").write_text("")  # a path under a file cannot be written, even by root
    argv = [a.format(file=tmp_path / "a-file") for a in argv]
    assert main(["load", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


@pytest.mark.live
@pytest.mark.slow
def test_a_short_run_is_inconclusive_and_says_how_many_more_jobs(tmp_path, capsys):
    report_path, junit_path = tmp_path / "r.json", tmp_path / "load.xml"
    code = main([
        "load", "--scenario", "queue-latency", "--rate", "4", "--duration", "3s",
        "--drain", "20s", "--emulator-workers", "2", "--emulator-time-per-step", "0.02",
        "--poll-interval", "0.05", "--report", str(report_path), "--junit", str(junit_path),
        "--warmup", "3jobs", "--slo", "end_to_end.p95<30s", "--slo", "lost==0",
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 3  # ~12 jobs cannot show a p95 at 99% confidence
    assert "INCONCLUSIVE" in out
    assert "warm-up 3jobs: 3 jobs reported apart; cold starts in it:" in out
    report = json.loads(report_path.read_text())
    section = report["scenarios"]["queue-latency"]
    assert sum(j["warmup"] for j in section["jobs"]) == 3
    assert section["warmup"]["excluded_jobs"] == 3
    cold = section["warmup"]["cold"]  # the emulator says which jobs started a GPU
    assert cold["known"]
    assert len(cold["in_warmup"]) + len(cold["measured"]) == 2
    judged = section["accounting"]["submitted"] - 3
    gate = report["slos"][0]
    assert gate["verdict"] == "inconclusive"
    assert gate["explanation"].startswith(f"{judged} jobs: {judged} under")
    assert "more jobs" in gate["explanation"]
    assert section["metrics"]["end_to_end"]["count"] == judged  # figures without the warm-up
    assert section["goodput"]["jobs"] == judged
    assert section["goodput"]["targets"] == ["end_to_end.p95<30s"]
    assert [row["metric"] for row in section["honest"]] == ["queue_wait", "run_time", "end_to_end"]
    assert "<skipped" in junit_path.read_text()


def test_honest_rows_per_metric():
    records = [job((0.5, 0.5), at=float(i)) for i in range(3)] + [job(outcome="lost", at=9.0)]
    rows = honest_rows(records)
    assert [r.metric for r in rows] == ["queue_wait", "run_time", "end_to_end"]
    wait = rows[0]
    assert (wait.count, wait.infinitely_late) == (4, 1)
    assert (wait.p50, wait.p90, wait.p95, wait.p99) == (0.5, None, None, None)
    assert honest_rows([job(None, run_time=None)]) == []
    spread = honest_rows([job((0.1 * i, 0.1 * i), at=float(i)) for i in range(1, 21)])[0]
    assert (spread.p50, spread.p90, spread.p95, spread.p99) == pytest.approx((1.0, 1.8, 1.9, 2.0))


def test_goodput_section_names_its_targets():
    records = [job((0.2, 0.2), at=float(i)) for i in range(3)] + [job((3.0, 3.0), at=5.0)]
    slos = [parse_slo("queue_wait.p95<1s"), parse_slo("lost==0"), parse_slo("run_time.max<=2s")]
    section = goodput_section(records, slos)
    assert section == GoodputSection(["queue_wait.p95<1s", "run_time.max<=2s"], 4, 3, 0.75,
                                     0.75, 0.75)  # fmt: skip
    assert goodput_section([], []) == GoodputSection([], 0, 0, None, None, None)


def test_judged_jobs_leave_the_warmup_out():
    first, second = job(at=0.0), job(at=1.0)
    first.warmup = True
    assert judged_jobs([first, second]) == [second]


def test_warmup_report_without_truth_or_cold_rows():
    split = WarmupSplit([job(request_id="b")], [job(request_id="a")])
    no_field = warmup_report([split], Warmup(jobs=1), [{"request_id": "a"}])
    assert no_field == WarmupSection("1jobs", 1, honest_rows(split.warmup), ColdJobs(False))
    truth = [{"request_id": "a", "cold": True}, {"request_id": "b", "cold": True}]
    both = warmup_report([split, split], Warmup(jobs=1), truth)
    assert both.excluded_jobs == 2
    assert both.cold == ColdJobs(True, ["a", "a"], ["b", "b"])
