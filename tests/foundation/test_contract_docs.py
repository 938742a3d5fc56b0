"""The generated parts of the docs follow the rules table, and the repository stands alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.cli import docs
from harness.rules import all_rules

ROOT = Path(__file__).resolve().parents[2]


def test_generated_docs_are_up_to_date() -> None:
    assert docs.stale() == [], "run: python -m harness.cli.docs"
    assert docs.main(["--check"]) == 0


def test_a_stale_doc_is_detected_and_rewritten(tmp_path: Path) -> None:
    for gen in docs.GENERATED:
        (tmp_path / gen.path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / gen.path, tmp_path / gen.path)
    readme = tmp_path / "README.md"
    readme.write_text(
        readme.read_text(encoding="utf-8").replace("| `skip_auth` |", "| `skip_auth_x` |"),
        encoding="utf-8",
    )
    assert docs.stale(tmp_path) == ["README.md"]
    assert docs.write(tmp_path) == ["README.md"]
    assert docs.stale(tmp_path) == []
    assert readme.read_text(encoding="utf-8") == (ROOT / "README.md").read_text(encoding="utf-8")


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
