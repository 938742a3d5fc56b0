"""Which valid bodies the workload submits, and which of them run to the end.

Two roles. *Life-cycle* jobs run to the end: the life-cycle, cancel and output checks judge
them, so they use the cheapest valid input (fewest steps, 480p, no prompt expansion), drawn by
Hypothesis for everything else and cycling through every output format. *Acceptance* jobs are
the schema's edges (every bound, every enum value, 8.0, unknown fields): only their acceptance
is judged, so one that would cost more than `COSTLY` life-cycle jobs is cancelled while queued.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from harness.cases import Case, draw, valid_cases, valid_edges
from harness.conform.cost import RunCost, job_seconds

__all__ = ["COSTLY", "MIN_LIFECYCLE", "Plan", "cheapest", "plan_cases"]

COSTLY = 2.5  # an edge costing more than this many cheapest jobs is cancelled while queued
MIN_LIFECYCLE = 3  # life-cycle jobs kept before any edge, when the budget is short


def _prop(schema: dict[str, Any], name: str) -> dict[str, Any]:
    prop: dict[str, Any] = schema.get("properties", {}).get(name, {})
    return prop


def cheapest(schema: dict[str, Any]) -> dict[str, Any]:
    """The fields that make a job cheapest: fewest steps, the smaller resolution, no expansion."""
    fields: dict[str, Any] = {}
    steps = _prop(schema, "num_inference_steps").get("minimum")
    if isinstance(steps, int):
        fields["num_inference_steps"] = steps
    if "480p" in _prop(schema, "resolution").get("enum", []):
        fields["resolution"] = "480p"
    if _prop(schema, "enable_prompt_expansion").get("type") == "boolean":
        fields["enable_prompt_expansion"] = False
    return fields


@dataclass(frozen=True)
class Plan:
    lifecycle: list[Case]
    acceptance: list[Case]
    threshold: float  # estimated GPU seconds above which an acceptance job is costly

    def costly(self, case: Case) -> bool:
        return job_seconds(case.body) > self.threshold

    @property
    def spare(self) -> list[Case]:
        return [c for c in self.acceptance if self.costly(c)]

    @property
    def run(self) -> list[Case]:
        return self.lifecycle + [c for c in self.acceptance if not self.costly(c)]

    def cost(self) -> RunCost:
        """The GPU time this plan will use (before the run)."""
        return RunCost.plan([c.body for c in self.run], [c.body for c in self.spare])


def _formats(schema: dict[str, Any]) -> list[Any]:
    values = list(_prop(schema, "output_format").get("enum", []))
    # The third job submitted is the first to queue on a 2-GPU server, where the race aims
    # (and may cancel it): it repeats the first format, so every format still runs to the end.
    return values[:2] + values[:1] + values[2:] if len(values) >= 3 else values


def plan_cases(schema: dict[str, Any], image_url: str, room: int, examples: int, seed: int) -> Plan:
    edges = valid_edges(schema, image_url)
    edges = [c for c in edges if not c.extra] + [c for c in edges if c.extra]
    n_life = min(room, max(MIN_LIFECYCLE, room - len(edges)))
    cheap = cheapest(schema)
    drawn = draw(valid_cases(schema, image_url), examples, seed)
    drawn = [c for c in drawn if "generated" in c.label]
    formats = _formats(schema) or [None]
    lifecycle = []
    for i in range(n_life):
        body = dict(drawn[i].body) if i < len(drawn) else {**edges[0].body, "seed": i}
        body.update(cheap)
        if formats[i % len(formats)] is not None:
            body["output_format"] = formats[i % len(formats)]
        label = "generated valid, cheapest" if i < len(drawn) else "required fields, cheapest"
        lifecycle.append(replace(edges[0], label=label, body=body, raw=None))
    threshold = COSTLY * job_seconds({**edges[0].body, **cheap})
    # cheapest first: the edges that run to the end join the queue before the costly ones
    acceptance = sorted(edges[: room - n_life], key=lambda c: job_seconds(c.body))
    return Plan(lifecycle, acceptance, threshold)
