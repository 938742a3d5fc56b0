"""The contract's rules, read from `schemas/rules.json`: the only place a rule's text and level
are written.

Checks, emulator faults, reports and docs name a rule by its id and take its level and text
from here. The table is package data (read through `harness.schemas`) and is validated against
`schemas/rules.schema.json` when first loaded, so a malformed table fails at once, not in a
report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from harness import schemas

__all__ = [
    "ENDPOINTS",
    "LEVELS",
    "Level",
    "Rule",
    "all_rules",
    "level_meaning",
    "parse_table",
    "rule",
]

RULES_FILE = "rules.json"
RULES_SCHEMA_FILE = "rules.schema.json"
ENDPOINTS = ("submit", "status", "result", "cancel", "image")


class Level(StrEnum):
    """The verdict a breach gets: MUST fails a run, SHOULD warns (fails with --strict),
    OBSERVE only records."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    OBSERVE = "OBSERVE"


LEVELS = tuple(Level)


@dataclass(frozen=True)
class Rule:
    """One rule of the contract. `str(rule)` is `id: text`, the way reports quote it."""

    id: str
    level: Level
    text: str
    endpoints: tuple[str, ...]
    situations: tuple[str, ...] = ()
    unprovable: str | None = None

    def __str__(self) -> str:
        return f"{self.id}: {self.text}"


def _validated(document: dict[str, Any]) -> dict[str, Any]:
    schema = schemas.read_json(RULES_SCHEMA_FILE)
    error = best_match(Draft202012Validator(schema).iter_errors(document))
    if error is not None:
        where = "/".join(map(str, error.path)) or "<root>"
        raise ValueError(f"{RULES_FILE} is malformed at {where}: {error.message}")
    return document


def _rule(raw: dict[str, Any]) -> Rule:
    return Rule(
        id=raw["id"],
        level=Level(raw["level"]),
        text=raw["text"],
        endpoints=tuple(raw["endpoints"]),
        situations=tuple(raw.get("situations", ())),
        unprovable=raw.get("unprovable"),
    )


def parse_table(document: dict[str, Any]) -> dict[str, Rule]:
    """Rules by id, in table order, from a table document (validated; ids must be unique)."""
    table: dict[str, Rule] = {}
    for raw in _validated(document)["rules"]:
        if raw["id"] in table:
            raise ValueError(f"{RULES_FILE}: duplicate rule id {raw['id']!r}")
        table[raw["id"]] = _rule(raw)
    return table


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    return _validated(schemas.read_json(RULES_FILE))


@lru_cache(maxsize=1)
def _table() -> dict[str, Rule]:
    return parse_table(_document())


def all_rules() -> tuple[Rule, ...]:
    """Every rule, in table order."""
    return tuple(_table().values())


def rule(rule_id: str) -> Rule:
    """The rule with id `rule_id`; an unknown id is a programming error (KeyError, with the ids
    known, since a check or fault naming a missing rule must fail at import)."""
    try:
        return _table()[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule {rule_id!r}; known: {', '.join(_table())}") from None


def level_meaning(level: Level) -> str:
    """What a breach at `level` means for a run, as the table states it."""
    meaning: str = _document()["levels"][str(level)]
    return meaning
