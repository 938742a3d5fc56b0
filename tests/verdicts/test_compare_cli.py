"""`chronoedit-harness compare`: exit codes, console lines, Markdown, bad input."""

from __future__ import annotations

import json

import pytest

from harness.cli import main

from .jobsets import job, lognormal_waits


def _report(path, waits, scenario="queue-latency"):
    # each job found a GPU free (no poll saw it queued): a busy spell of its own
    jobs = [job((0.0, 2 * w), at=float(i)).to_dict() for i, w in enumerate(waits)]
    path.write_text(json.dumps({"scenarios": {scenario: {"jobs": jobs}}}))
    return str(path)


def test_same_run_passes_and_a_slower_one_alarms(tmp_path, capsys):
    waits = lognormal_waits(150, 1.0, seed=2)
    old = _report(tmp_path / "old.json", waits)
    again = _report(tmp_path / "again.json", lognormal_waits(150, 1.0, seed=3))
    slower = _report(tmp_path / "new.json", [w * 1.3 for w in waits])
    assert main(["compare", old, again]) == 0
    out = capsys.readouterr()
    assert "no significant regression beyond 10%" in out.err
    md = tmp_path / "summary.md"
    assert main(["compare", old, slower, "--markdown", str(md), "--metric", "queue_wait"]) == 1
    out = capsys.readouterr()
    assert "queue-latency queue_wait.p50:" in out.out
    assert "ALARM" in out.out
    text = md.read_text()
    assert text.startswith("### Load comparison: `old.json` → `new.json`")
    assert "**2 significant regression(s) beyond 10%**" in text
    assert "| 🔴 | queue-latency | queue_wait p95 |" in text
    assert text.count("| 150 (150) → 150 (150) |") == 2  # jobs (busy spells), old → new
    assert "permutations of busy spells" in text
    assert main(["compare", old, slower, "--threshold", "50%", "--metric", "queue_wait"]) == 0


def test_markdown_when_nothing_regressed(tmp_path):
    old = _report(tmp_path / "old.json", [1.0] * 30)
    md = tmp_path / "s.md"
    assert main(["compare", old, old, "--markdown", str(md)]) == 0
    assert "No significant regression beyond 10% (99% confidence" in md.read_text()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "is not JSON"),
        ('{"scenarios": 3}', "is not a load report"),
        ('{"scenarios": {"x": {"jobs": []}}}', "share no scenario"),
    ],
)
def test_bad_reports_are_one_line_and_exit_2(tmp_path, capsys, content, message):
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    good = _report(tmp_path / "good.json", [1.0] * 10)
    assert main(["compare", good, str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert message in err[0]


@pytest.mark.parametrize(
    "extra",
    [
        ["--threshold", "-5%"],
        ["--threshold", "x"],
        ["--confidence", "0.3"],
        ["--markdown", "{file}/s.md"],
    ],
)
def test_bad_options_exit_2(tmp_path, capsys, extra):
    good = _report(tmp_path / "good.json", [1.0] * 10)
    (tmp_path / "a-file").write_text("")  # a path under a file cannot be written, even by root
    extra = [a.format(file=tmp_path / "a-file") for a in extra]
    assert main(["compare", good, good, *extra]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
