"""Write (or check) the parts of the docs generated from the rules table.

`python -m harness.cli.docs` rewrites, between their markers, the levels and the rule list of
`docs/contract.md` and the README's mutation table (which emulator fault each check is proven
to catch), from `schemas/rules.json`, the check registry and the fault catalog. `--check`
writes nothing and exits 1 when a file is stale (the test suite runs it). A developer tool for a
source checkout.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.checks import CHECKS
from harness.model.faults import FAULTS, OPERATIONAL_FAULTS
from harness.rules import Level, Rule, all_rules, level_meaning

__all__ = [
    "GENERATED",
    "caught_by",
    "contract_rules_table",
    "levels_list",
    "main",
    "may_also_fail",
    "mutation_table",
    "replace_section",
]

ROOT = Path(__file__).resolve().parents[2]


def checks_of(rule_id: str) -> list[str]:
    """The ids of the checks that judge `rule_id`, in run order."""
    return [c.id for c in CHECKS.values() if c.rule.id == rule_id]


def caught_by(fault: str) -> list[str]:
    """The checks that must fail under `fault`: every check of every rule it breaks."""
    return [c.id for c in CHECKS.values() if c.rule.id in FAULTS[fault].breaks]


def may_also_fail(fault: str) -> list[str]:
    """Checks that may fail under `fault` as a direct consequence (its `also` rules)."""
    caught = set(caught_by(fault))
    also = FAULTS[fault].also
    return [c.id for c in CHECKS.values() if c.rule.id in also and c.id not in caught]


def faults_proving(rule_id: str) -> list[str]:
    """The contract faults that break `rule_id`, by name."""
    return sorted(name for name, f in FAULTS.items() if rule_id in f.breaks)


def _ids(names: Sequence[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def mutation_table() -> str:
    """The README's table: each contract fault, the rules it breaks and the checks that fail."""
    lines = [
        "| fault | rules broken | level | caught by | may also fail |",
        "|---|---|---|---|---|",
    ]
    for name in sorted(set(FAULTS) - OPERATIONAL_FAULTS):
        fault = FAULTS[name]
        lines.append(
            f"| `{name}` | {_ids(fault.breaks)} | {fault.level} | {_ids(caught_by(name))} "
            f"| {_ids(may_also_fail(name))} |"
        )
    return "\n".join(lines)


def _proof(rule: Rule) -> str:
    faults = faults_proving(rule.id)
    if faults:
        return _ids(faults)
    reason = str(rule.unprovable)  # set on every rule no fault proves (tests/conform)
    return f"none: {_cell(reason[:1].lower() + reason[1:])}"


def contract_rules_table() -> str:
    """docs/contract.md's rule list: every rule with its level, endpoints, the situations a run
    must create to exercise it, its checks and faults."""
    lines = [
        "| rule | level | text | endpoints | needs | checked by | proven by fault |",
        "|---|---|---|---|---|---|---|",
    ]
    for rule in all_rules():
        lines.append(
            f"| `{rule.id}` | {rule.level} | {_cell(rule.text)} | {', '.join(rule.endpoints)} "
            f"| {_cell('; '.join(rule.situations))} | {_ids(checks_of(rule.id))} "
            f"| {_proof(rule)} |"
        )
    return "\n".join(lines)


def levels_list() -> str:
    """docs/contract.md's list of levels and what a breach at each means."""
    return "\n".join(f"- **{level}**: {level_meaning(level)}" for level in Level)


_RENDER = {
    "levels": levels_list,
    "rules": contract_rules_table,
    "mutation-table": mutation_table,
}


@dataclass(frozen=True)
class Generated:
    """One generated section: the file (relative to the repository) and its marker name."""

    path: str
    marker: str

    def render(self) -> str:
        return _RENDER[self.marker]()


GENERATED = (
    Generated("docs/contract.md", "levels"),
    Generated("docs/contract.md", "rules"),
    Generated("README.md", "mutation-table"),
)


def replace_section(text: str, marker: str, content: str) -> str:
    """`text` with the lines between `<!-- begin:marker -->` and `<!-- end:marker -->`
    replaced by `content`. Missing markers are an error (the doc lost its generated part)."""
    begin, end = f"<!-- begin:{marker} -->", f"<!-- end:{marker} -->"
    head, found, rest = text.partition(begin)
    _, found_end, tail = rest.partition(end)
    if not (found and found_end):
        raise ValueError(f"markers {begin} ... {end} not found")
    return f"{head}{begin}\n{content}\n{end}{tail}"


def _regenerated(root: Path) -> dict[str, tuple[str, str]]:
    """Each generated file (relative path) -> (its text now, its text with every section
    regenerated)."""
    files: dict[str, tuple[str, str]] = {}
    for gen in GENERATED:
        if gen.path not in files:
            text = (root / gen.path).read_text(encoding="utf-8")
            files[gen.path] = (text, text)
        old, new = files[gen.path]
        files[gen.path] = (old, replace_section(new, gen.marker, gen.render()))
    return files


def stale(root: Path = ROOT) -> list[str]:
    """The generated files (relative paths) whose sections differ from what the table gives."""
    return [path for path, (old, new) in _regenerated(root).items() if old != new]


def write(root: Path = ROOT) -> list[str]:
    """Rewrite every generated section; the relative paths of the files that changed."""
    changed = []
    for path, (old, new) in _regenerated(root).items():
        if new != old:
            (root / path).write_text(new, encoding="utf-8")
            changed.append(path)
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.cli.docs", description=__doc__)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (default: this)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            found = stale(args.root)
            for path in found:
                print(f"{path} is stale: run python -m harness.cli.docs", file=sys.stderr)
            return 1 if found else 0
        for path in write(args.root):
            print(f"wrote {path}")
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
