"""Stateful exploration: Hypothesis drives the API through random sequences of calls.

A `RuleBasedStateMachine` submits jobs (the cheapest valid input, any output format, either of
two tenants), reads their status and result, cancels them, asks with the other tenant's token
or about an unknown id, and waits. Every answer is judged at once against `allowed` (what the
contract lets a client conclude from the answers before it); the first broken rule fails the
sequence, which Hypothesis then shrinks. The shrunk sequence is written as a shell script
(`replay.Script`). Every job a sequence created is cancelled when it ends (unless finished),
and all sequences together create at most `budget` jobs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from harness import schemas
from harness.client import Call, Client
from harness.client.protocol import Endpoint
from harness.conform.allowed import JobFacts, judge_cancel, judge_foreign, judge_read
from harness.conform.plan import cheapest
from harness.conform.replay import Script
from harness.errors import HarnessError
from harness.secrets import Token

__all__ = ["Exploration", "Session", "SessionFactory", "explore", "live_session"]

UNKNOWN_ID = "00000000-0000-4000-8000-00000000c0de"
TRANSIENT = frozenset({429, 502, 503, 504})


@dataclass
class Session:
    """One sequence's view of the server: a client per tenant, each with its own token (one
    tenant only when no second token is known), the image to submit, the waits to draw from."""

    base_url: str
    clients: list[Client]
    image_url: str
    waits: tuple[float, ...]


SessionFactory = Callable[[], AbstractContextManager[Session]]


@dataclass
class Exploration:
    """The outcome: the broken rule and the replay script of the shrunk sequence, if any."""

    problem: str | None
    script: str | None
    jobs_created: int
    sequences: int


@dataclass
class _Shared:
    """State that outlives one sequence: the job budget and the last sequence's script."""

    budget: int
    created: int = 0
    sequences: int = 0
    failing: Script | None = None  # the calls of the last sequence that broke a rule
    problem: str | None = None
    formats: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class JobRef:
    request_id: str
    owner: int


def _machine(factory: SessionFactory, shared: _Shared) -> type[RuleBasedStateMachine]:
    formats = shared.formats or [None]

    class ApiMachine(RuleBasedStateMachine):
        jobs = Bundle("jobs")

        def __init__(self) -> None:
            super().__init__()
            self._cm = factory()
            self.session = self._cm.__enter__()
            self.facts: dict[str, JobFacts] = {}
            shared.sequences += 1
            self.script = Script(self.session.base_url)

        @property
        def tenants(self) -> int:
            return len(self.session.clients)

        def _send(self, call: Call, tenant: int, job: str | None = None) -> tuple[int, Any]:
            reply = self.session.clients[tenant].request(call)
            status = reply.response.status_code
            body = reply.json()
            self.script.call(reply.exchange, tenant, f"HTTP {status} {_short(body)}", job=job)
            return status, body

        def _fail(self, problem: str | None) -> None:
            if problem is not None:
                # Keep the shortest failing sequence: after shrinking, Hypothesis also runs
                # variations of the minimal one (to explain it) that fail too.
                best = shared.failing
                if best is None or len(self.script.lines) <= len(best.lines):
                    shared.problem, shared.failing = problem, self.script
                raise AssertionError(problem)

        @initialize()
        def start(self) -> None:
            pass

        @precondition(lambda self: shared.created < shared.budget)
        @rule(target=jobs, tenant=st.integers(0, 1), fmt=st.sampled_from(formats))
        def submit(self, tenant: int, fmt: Any) -> JobRef:
            tenant = tenant % self.tenants
            body = {"image_url": self.session.image_url, "prompt": "edit"}
            body.update(cheapest(schemas.load("input")))
            if fmt is not None:
                body["output_format"] = fmt
            shared.created += 1  # counted when sent: a submit without an answer may bill
            call = Call.submit(body, self.session.clients[tenant].model_id)
            reply = self.session.clients[tenant].request(call)
            status, answer = reply.response.status_code, reply.json()
            rid = answer.get("request_id") if isinstance(answer, dict) else None
            said = f"HTTP {status} {_short(answer)}"
            self.script.call(
                reply.exchange, tenant, said, job=rid if isinstance(rid, str) else None
            )
            if status != 200 or not isinstance(rid, str) or not rid:
                self._fail(f"a valid submit answered HTTP {status}, {_short(answer)}")
            assert isinstance(rid, str)
            self.facts[rid] = JobFacts(tenant)
            return JobRef(rid, tenant)

        @rule(job=jobs, endpoint=st.sampled_from(["status", "result"]))
        def read(self, job: JobRef, endpoint: Endpoint) -> None:
            status, body = self._send(
                Call.on_request(endpoint, job.request_id), job.owner, job.request_id
            )
            if status not in TRANSIENT:
                self._fail(judge_read(self.facts[job.request_id], endpoint, status, body))

        @rule(job=jobs)
        def cancel(self, job: JobRef) -> None:
            call = Call.on_request("cancel", job.request_id)
            status, body = self._send(call, job.owner, job.request_id)
            if status not in TRANSIENT:
                self._fail(judge_cancel(self.facts[job.request_id], status, body))
                self.read(job, "status")  # what the job did next, as the workload does

        @precondition(lambda self: self.tenants > 1)
        @rule(job=jobs, endpoint=st.sampled_from(["status", "result", "cancel"]))
        def foreign(self, job: JobRef, endpoint: Endpoint) -> None:
            call = Call.on_request(endpoint, job.request_id)
            status, _ = self._send(call, 1 - job.owner, job.request_id)
            if status not in TRANSIENT:
                self._fail(judge_foreign(f"{endpoint} with another tenant's token", status))

        @rule(endpoint=st.sampled_from(["status", "result", "cancel"]))
        def unknown(self, endpoint: Endpoint) -> None:
            call = Call.on_request(endpoint, UNKNOWN_ID)
            status, _ = self._send(call, 0)
            if status not in TRANSIENT:
                self._fail(judge_foreign(f"{endpoint} of an unknown request id", status))

        @rule(data=st.data())
        def wait(self, data: st.DataObject) -> None:
            seconds = data.draw(st.sampled_from(self.session.waits), label="seconds")
            self.session.clients[0].clock.sleep(seconds)
            self.script.wait(seconds)

        @invariant()
        def within_budget(self) -> None:
            if shared.created > shared.budget:
                self._fail(f"{shared.created} jobs created, budget {shared.budget}")

        def teardown(self) -> None:
            try:
                for rid, facts in self.facts.items():
                    if facts.rank < 2:
                        _quiet_cancel(self.session.clients[facts.owner], rid)
            finally:
                self._cm.__exit__(None, None, None)

    return ApiMachine


def _quiet_cancel(client: Client, request_id: str) -> None:
    """Stop a job a sequence left behind (it may still bill); its answer judges nothing."""
    with suppress(HarnessError):
        client.request(Call.on_request("cancel", request_id))


def _short(body: Any) -> str:
    text = repr(body)
    return text if len(text) <= 160 else text[:157] + "..."


def explore(
    factory: SessionFactory,
    *,
    budget: int,
    examples: int = 30,
    steps: int = 20,
) -> Exploration:
    """Run the machine; a broken rule comes back with the shrunk sequence's replay script."""
    input_schema = schemas.load("input")
    fmt = input_schema.get("properties", {}).get("output_format", {}).get("enum", [])
    shared = _Shared(budget=budget, formats=list(fmt))
    machine = _machine(factory, shared)
    options = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
    )
    try:
        run_state_machine_as_test(machine, settings=options)
    except Exception:
        # A broken rule (AssertionError), or on a live server a failure that no longer shows
        # once the job budget is spent (Hypothesis calls that flaky): the last sequence that
        # broke a rule is the shortest one found.
        if shared.problem is None or shared.failing is None:
            raise
        script = shared.failing.render(shared.problem)
        return Exploration(shared.problem, script, shared.created, shared.sequences)
    return Exploration(None, None, shared.created, shared.sequences)


@contextmanager
def live_session(
    base_url: str, tokens: list[Token], image_url: str, waits: tuple[float, ...]
) -> Iterator[Session]:
    """A session on a real server (real clock), one client per token."""
    clients = [Client(base_url, token) for token in tokens]
    try:
        yield Session(base_url, clients, image_url, waits)
    finally:
        for client in clients:
            client.close()
