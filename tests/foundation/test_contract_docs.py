"""The generated parts of the docs follow the rules table, and the repository stands alone."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.cli import docs
from harness.rules import all_rules

ROOT = Path(__file__).resolve().parents[2]


def _copy_generated(root: Path) -> None:
    for gen in docs.GENERATED:
        (root / gen.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / gen.path, root / gen.path)


def test_generated_docs_are_up_to_date() -> None:
    assert docs.stale() == [], "run: python -m harness.cli.docs"
    assert docs.main(["--check"]) == 0


def test_a_stale_doc_is_detected_and_rewritten(tmp_path: Path) -> None:
    _copy_generated(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace("| `skip_auth` |", "| `skip_auth_x` |"),
        encoding="utf-8",
    )
    assert docs.stale(tmp_path) == ["README.md"]
    assert docs.write(tmp_path) == ["README.md"]
    assert docs.stale(tmp_path) == []
    assert readme.read_text(encoding="utf-8") == (ROOT / "README.md").read_text(encoding="utf-8")


def test_docs_command_checks_writes_and_reports_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _copy_generated(tmp_path)
    contract = tmp_path / "docs" / "contract.md"
    contract.write_text(contract.read_text(encoding="utf-8").replace("| MUST |", "| MAY |"))
    root = ["--root", str(tmp_path)]
    assert docs.main(["--check", *root]) == 1
    assert capsys.readouterr().err == (
        "docs/contract.md is stale: run python -m harness.cli.docs\n"
    )
    assert docs.main(root) == 0
    assert capsys.readouterr().out == "wrote docs/contract.md\n"
    assert docs.main(["--check", *root]) == 0
    assert docs.main(root) == 0
    assert capsys.readouterr().out == ""  # nothing left to write
    contract.write_text("# no markers here\n", encoding="utf-8")
    assert docs.main(["--check", *root]) == 2
    assert capsys.readouterr().err.startswith("error: markers <!-- begin:levels -->")
    contract.unlink()
    assert docs.main(root) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert err.count("\n") == 1


def test_table_cells_escape_pipes() -> None:
    assert docs._cell("a | b") == "a \\| b"
    assert docs._cell("plain") == "plain"


def test_replace_section_keeps_the_rest_and_needs_both_markers() -> None:
    text = "head\n<!-- begin:x -->\nold\n<!-- end:x -->\ntail\n"
    assert docs.replace_section(text, "x", "new") == (
        "head\n<!-- begin:x -->\nnew\n<!-- end:x -->\ntail\n"
    )
    with pytest.raises(ValueError, match="markers"):
        docs.replace_section("head\n<!-- begin:x -->\n", "x", "new")
    with pytest.raises(ValueError, match="markers"):
        docs.replace_section("no markers", "x", "new")


def test_contract_lists_every_rule_with_its_level_and_text() -> None:
    contract = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    for rule in all_rules():
        row = next(line for line in contract.splitlines() if line.startswith(f"| `{rule.id}` |"))
        assert f"| {rule.level} |" in row
        assert rule.text.replace("|", "\\|") in row
        assert rule.situations, f"{rule.id}: say what a run must create to exercise it"
        assert all(s.replace("|", "\\|") in row for s in rule.situations)


# Spelled in pieces so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        [
            r"\b" + "CONTRACT" + r"\.md\b",
            r"\b" + "METRICS" + r"\.md\b",
            r"\.\./" + "shared",
            "/" + "work/",
        ]
    )
)
MD_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def tracked_files() -> list[Path]:
    """Every file git tracks here; without git (an unpacked sdist), every file but caches."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        return [ROOT / name for name in out.decode().split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "__pycache__", "dist", "build"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.parts)]


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, FileNotFoundError):
        return None  # binary (images), or deleted in the work tree


def test_no_tracked_file_refers_outside_the_repository() -> None:
    files = tracked_files()
    assert any(p.name == "README.md" for p in files)
    offenders = []
    for path in files:
        text = _text(path)
        for number, line in enumerate((text or "").splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_relative_links_in_the_docs_stay_inside_and_resolve() -> None:
    for path in tracked_files():
        if path.suffix != ".md" or (text := _text(path)) is None:
            continue
        for target in MD_LINK.findall(text):
            if "://" in target or target.startswith("mailto:"):
                continue
            resolved = (path.parent / target).resolve()
            assert resolved.is_relative_to(ROOT), (path.name, target)
            assert resolved.exists(), (path.name, target)


def test_the_outside_pattern_would_catch_a_reference() -> None:
    for line in ("see " + "CONTRACT" + ".md", "../" + "shared/x", "/" + "work/wt/x"):
        assert OUTSIDE.search(line), line
    assert not OUTSIDE.search("see docs/contract.md and docs/metrics.md")
