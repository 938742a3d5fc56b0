"""The rules table is the contract's single statement: every rule is checked and proven by a
fault (or says why it cannot be), every check and fault names a rule that exists, and nothing
else restates a rule's text or level.
"""

from __future__ import annotations

import ast
import copy
from pathlib import Path
from typing import Any

import pytest

from harness import rules, schemas
from harness.checks import CHECKS, Level, Outcome
from harness.cli import docs
from harness.model.faults import FAULTS, OPERATIONAL_FAULTS, Fault
from harness.rules import Rule, all_rules, parse_table, rule

ROOT = Path(__file__).resolve().parents[2]
RULE_IDS = {r.id for r in all_rules()}


def table_document() -> dict[str, Any]:
    return copy.deepcopy(schemas.read_json("rules.json"))


def test_table_validates_and_loads_typed_rules() -> None:
    loaded = all_rules()
    assert len(loaded) == len(table_document()["rules"]) == len(RULE_IDS)
    assert all(isinstance(r, Rule) and isinstance(r.level, Level) for r in loaded)
    assert {r.level for r in loaded} == set(Level)
    r = rule("status.queue-position-monotonic")
    assert (r.level, r.endpoints) == (Level.SHOULD, ("status",))
    assert str(r) == f"status.queue-position-monotonic: {r.text}"
    for level in Level:
        assert rules.level_meaning(level)


def test_parsed_rules_carry_every_field_of_the_table() -> None:
    document = table_document()
    document["rules"][0]["situations"] = ["a body with 8.0 for num_inference_steps"]
    parsed = list(parse_table(document).values())
    assert [r.id for r in parsed] == [raw["id"] for raw in document["rules"]]
    for r, raw in zip(parsed, document["rules"], strict=True):
        assert (r.level, r.text, r.endpoints) == (Level(raw["level"]), raw["text"],
                                                 tuple(raw["endpoints"]))  # fmt: skip
        assert r.situations == tuple(raw.get("situations", ()))
        assert r.unprovable == raw.get("unprovable")
    assert parsed[0].situations == ("a body with 8.0 for num_inference_steps",)
    assert rule("input.unknown-fields").unprovable
    assert rule("input.valid-accepted").unprovable is None


def test_unknown_rule_id_is_refused_with_the_known_ids() -> None:
    first_two = ", ".join(r.id for r in all_rules()[:2])
    with pytest.raises(KeyError, match=f"unknown rule 'nope'; known: {first_two}, "):
        rule("nope")
    with pytest.raises(KeyError, match="unknown rule"):
        Fault("x", "a fault naming a rule that does not exist", ("no.such-rule",))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d["rules"][0].update(level="MAY"), "at rules/0/level: 'MAY' is not one of"),
        (lambda d: d["rules"][1].update(id="Not An Id"), "at rules/1/id: "),
        (lambda d: d["rules"][0].update(endpoints=["upload"]), "at rules/0/endpoints/0: "),
        (lambda d: d["rules"][0].pop("text"), "at rules/0: 'text' is a required property"),
        (lambda d: d["rules"][0].update(colour="red"), "colour"),
        (lambda d: d.pop("levels"), "at <root>: 'levels' is a required property"),
        (lambda d: d["rules"].append(dict(d["rules"][0])), "duplicate rule id 'input.valid"),
    ],
)
def test_malformed_table_is_refused(mutate: Any, message: str) -> None:
    document = table_document()
    mutate(document)
    with pytest.raises(ValueError, match=message):
        parse_table(document)


def test_every_check_names_an_existing_rule() -> None:
    for chk in CHECKS.values():
        assert chk.rule is rule(chk.rule.id), chk.id
        assert chk.level is chk.rule.level


def test_every_fault_names_existing_rules() -> None:
    for name, fault in FAULTS.items():
        assert set(fault.breaks) | set(fault.also) <= RULE_IDS, name
        assert not set(fault.breaks) & set(fault.also), name
        if name in OPERATIONAL_FAULTS:
            assert fault.breaks == fault.also == ()
            assert fault.level is None
        else:
            assert fault.breaks, f"contract fault {name} names no rule"


def test_fault_level_is_the_strongest_of_its_rules() -> None:
    assert FAULTS["missing_queue_position"].level is Level.MUST
    assert FAULTS["queue_position_grows"].level is Level.SHOULD
    mixed = Fault(
        "mixed", "breaks a SHOULD and a MUST", ("request.unknown-404", "tenant.isolation")
    )
    assert mixed.level is Level.MUST
    assert Fault("noise", "breaks nothing", takes_value=True).level is None


def test_every_rule_has_a_check() -> None:
    unchecked = {r.id for r in all_rules()} - {c.rule.id for c in CHECKS.values()}
    assert unchecked == set()


def test_every_rule_is_proven_by_a_fault_or_says_why_not() -> None:
    broken = {rid for f in FAULTS.values() for rid in f.breaks}
    for r in all_rules():
        if r.unprovable is None:
            assert r.id in broken, f"rule {r.id} has no fault proving it"
        else:
            # an exception is only for rules nothing can break; never also claimed by a fault
            assert r.id not in broken, f"rule {r.id} is proven by a fault: drop `unprovable`"
            assert r.level is Level.OBSERVE, f"{r.id}: a {r.level} rule can be broken"
    exceptions = [r for r in all_rules() if r.unprovable]
    assert len(exceptions) <= len([r for r in all_rules() if r.level is Level.OBSERVE])


def test_every_must_and_should_check_is_proven_by_a_fault() -> None:
    for chk in CHECKS.values():
        if chk.level is not Level.OBSERVE:
            assert any(chk.id in docs.caught_by(f) for f in FAULTS), chk.id


def _literal_strings(tree: ast.AST) -> set[str]:
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


@pytest.mark.parametrize(
    "path",
    [*sorted((ROOT / "harness" / "checks").glob("*.py")), ROOT / "harness/model/faults.py"],
    ids=lambda p: p.name,
)
def test_no_rule_text_or_level_is_restated_in_code(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    assert not {r.text for r in all_rules()} & _literal_strings(tree), path
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword):
            # no check or fault passes a level or a fault list of its own
            assert node.arg not in ("level", "catches", "collateral"), (path.name, node.arg)
            if node.arg == "rule":  # how a check names its rule: an id of the table
                assert isinstance(node.value, ast.Constant), path.name
                assert node.value.value in RULE_IDS, (path.name, node.value.value)


def test_findings_quote_the_rule_id_and_text_from_the_table() -> None:
    finding = CHECKS["tenant-isolation"].finding(Outcome.FAILED, "read another tenant's job")
    data = finding.to_dict()
    expected = rule("tenant.isolation")
    assert (data["rule"], data["rule_text"], data["level"]) == (expected.id, expected.text, "MUST")
    assert finding.severity is Level.MUST
