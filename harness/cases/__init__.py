"""Input cases generated from `schemas/input`: valid ones, and invalid ones labelled by rule."""

from harness.cases.case import Case
from harness.cases.draw import draw, save_case
from harness.cases.edges import invalid_edges, valid_edges
from harness.cases.generate import invalid_cases, valid_cases

__all__ = [
    "Case",
    "draw",
    "invalid_cases",
    "invalid_edges",
    "save_case",
    "valid_cases",
    "valid_edges",
]
