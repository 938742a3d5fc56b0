"""The scenario registry: the one place a scenario is named.

The `--scenario` choices, the runner's Locust user classes, the embedded defaults and the
report's sections all derive from `SCENARIOS`; adding a scenario is one entry here (plus its
user class and its tests).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ARRIVALS", "CANCEL_MOMENTS", "SCENARIOS", "Scenario", "scenario"]

ARRIVALS = ("poisson", "constant", "bursts")
# The cancel scenario's moments, in the order they are tried round-robin.
CANCEL_MOMENTS = ("after_submit", "while_queued", "while_running", "after_completion", "twice")


@dataclass(frozen=True)
class Scenario:
    name: str
    user_class: str  # "module:Class" of its Locust user (imported only inside Locust)
    summary: str
    load_share: float  # embedded default rate: this share of the emulator's capacity
    arrivals: str = "poisson"  # embedded default arrival process
    sections: tuple[str, ...] = ()  # report sections beyond the common ones
    policies: str = "one"  # "one": the first poll policy; "ladder": compare several
    locustfile: str = ""  # its file under `locustfiles/`, for plain `locust -f` runs


_USERS = "harness.load.swarm.users"
SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("queue-latency", f"{_USERS}:QueueLatencyUser",
                 "submit at the set rate; ack, queue wait, run time, end-to-end, lag", 0.8,
                 locustfile="queue_latency.py"),
        Scenario("polling", f"{_USERS}:PollingUser",
                 "the same arrivals shared round-robin among poll policies", 0.5,
                 sections=("advice",), policies="ladder", locustfile="polling_overhead.py"),
        Scenario("cancel", f"{_USERS}:CancelUser",
                 "cancel each job at one of the chosen moments, round-robin", 0.7,
                 arrivals="bursts", sections=("cancel",), locustfile="cancel_behaviour.py"),
    )
}  # fmt: skip


def scenario(name: str) -> Scenario:
    try:
        return SCENARIOS[name]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}") from None
