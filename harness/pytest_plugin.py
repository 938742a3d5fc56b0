"""pytest plugin (entry point `pytest11`): the conformance checks as pytest items.

`pytest --chronoedit` adds one item per registered check, run offline against the respx mock
(virtual clock) unless `--chronoedit-base-url` names a real server; pytest's own `--junitxml`
then reports them for CI. Without `--chronoedit` the plugin only adds its options and the
`chronoedit_mock` fixture, and imports nothing heavy (never locust).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

    from harness.conform import RunResult
    from harness.conform.explore import Session, SessionFactory
    from harness.mock import MockApi

__all__ = ["CheckItem", "ExploreItem", "chronoedit_mock", "mock_session"]

EXPLORE = "stateful-exploration"
EXPLORE_JOBS = 6  # on a server: its own budget, so the checks' run cannot leave it none

MOCK_WAITS = (0.01, 0.05, 0.2)  # virtual seconds; a cheapest job takes 0.04 on the mock
LIVE_WAITS = (0.5, 2.0, 5.0)  # real seconds on a live server (a cheapest job: a few seconds)

_RESULT = pytest.StashKey["RunResult"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("chronoedit", "chronoedit-harness conformance checks")
    group.addoption("--chronoedit", action="store_true", help="run the conformance checks")
    group.addoption("--chronoedit-base-url", help="check this server (default: the offline mock)")
    group.addoption("--chronoedit-token", help="its token (default: $RUNCOMFY_API_TOKEN)")
    group.addoption("--chronoedit-second-token", help="a second tenant's token")
    group.addoption("--chronoedit-max-jobs", type=int, default=12, help="job budget (12)")
    group.addoption(
        "--chronoedit-explore-jobs",
        type=int,
        default=EXPLORE_JOBS,
        help=f"jobs the stateful exploration may create on a server, besides "
        f"--chronoedit-max-jobs ({EXPLORE_JOBS}; 0 skips it)",
    )
    group.addoption("--chronoedit-strict", action="store_true", help="SHOULD failures fail")
    group.addoption(
        "--chronoedit-mock-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="give the offline mock a fault mode (repeatable): see the checks fail",
    )
    group.addoption(
        "--chronoedit-script",
        default="chronoedit-failing-sequence.sh",
        help="where the stateful exploration writes a failing sequence (a shell script)",
    )
    group.addoption(
        "--chronoedit-fail-on-skip",
        action="store_true",
        help="a MUST check that could not be exercised fails instead of being skipped",
    )


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if not config.getoption("chronoedit"):
        return
    from harness.checks import CHECKS

    items.extend(CheckItem.from_parent(session, name=f"chronoedit::{cid}") for cid in CHECKS)
    items.append(ExploreItem.from_parent(session, name=f"chronoedit::{EXPLORE}"))


class CheckFailed(Exception):
    pass


class CheckItem(pytest.Item):
    """One registered check; the run it judges is shared by all items of the session."""

    def runtest(self) -> None:
        from harness.checks import Level, Outcome

        result = _shared_run(self.config)
        check_id = self.name.split("::", 1)[1]
        finding = next(f for f in result.findings if f.check_id == check_id)
        self.user_properties.append(("level", str(finding.level)))
        if finding.outcome is Outcome.SKIPPED:
            if finding.level is Level.MUST and self.config.getoption("chronoedit_fail_on_skip"):
                raise CheckFailed(f"[MUST] {finding.rule}\nnot exercised: {finding.message}")
            pytest.skip(finding.message)
        if finding.outcome is Outcome.FAILED:
            strict = self.config.getoption("chronoedit_strict")
            if finding.level is Level.MUST or strict:
                curls = "\n".join(e.curl() for e in finding.evidence)
                raise CheckFailed(f"[{finding.level}] {finding.rule}\n{finding.message}\n{curls}")
            warnings.warn(f"[SHOULD] {check_id}: {finding.message}", stacklevel=1)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "chronoedit", None, self.name


class ExploreItem(pytest.Item):
    """Stateful exploration (Hypothesis): random call sequences judged answer by answer; a
    broken rule fails with the shrunk sequence, also written as a replayable shell script.
    On a live server it runs after the checks, within its own job budget."""

    def runtest(self) -> None:
        from harness.conform.explore import explore

        config = self.config
        base_url = config.getoption("chronoedit_base_url")
        if base_url:
            budget = config.getoption("chronoedit_explore_jobs")
            if budget <= 0:
                pytest.skip("--chronoedit-explore-jobs is 0: no job for the exploration")
            result = explore(_live_factory(config), budget=budget, examples=10, steps=10)
        else:
            faults = config.getoption("chronoedit_mock_fault")
            result = explore(_mock_factory(faults), budget=2000, examples=150, steps=10)
        self.user_properties.append(("jobs_created", str(result.jobs_created)))
        if result.problem is not None and result.script is not None:
            path = config.invocation_params.dir / config.getoption("chronoedit_script")
            path.write_text(result.script, encoding="utf-8")
            raise CheckFailed(f"[MUST] {result.problem}\nreplay: sh {path}\n{result.script}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return "chronoedit", None, self.name


def _mock_factory(faults: Sequence[str]) -> SessionFactory:
    import httpx

    http = httpx.Client()  # shared by every sequence; closed with the process

    def session() -> AbstractContextManager[Session]:
        return mock_session(faults, http=http)

    return session


def _live_factory(config: pytest.Config) -> SessionFactory:
    from harness.conform.explore import live_session
    from harness.secrets import Token
    from harness.target import default_public_image_url, open_target

    base_url = config.getoption("chronoedit_base_url")
    token = config.getoption("chronoedit_token")
    second = config.getoption("chronoedit_second_token")
    with open_target(base_url, token, second) as target:
        tokens = [t for t in (target.token, target.second_token) if isinstance(t, Token)]
        url, image = target.base_url, target.input_image_url or default_public_image_url()

    def session() -> AbstractContextManager[Session]:
        return live_session(url, tokens, image, LIVE_WAITS)

    return session


def _shared_run(config: pytest.Config) -> RunResult:
    if _RESULT not in config.stash:
        config.stash[_RESULT] = _run(config)
    return config.stash[_RESULT]


def _run(config: pytest.Config) -> RunResult:
    from harness.conform import ConformOptions, run_conformance
    from harness.target import open_target

    base_url = config.getoption("chronoedit_base_url")
    options = ConformOptions(
        max_jobs=config.getoption("chronoedit_max_jobs"),
        strict=config.getoption("chronoedit_strict"),
        poll_interval=1.0 if base_url else 0.05,
        job_timeout=300.0 if base_url else 20.0,
    )
    if base_url:
        token = config.getoption("chronoedit_token")
        second = config.getoption("chronoedit_second_token")
        with open_target(base_url, token, second) as target:
            return run_conformance(target, options)
    from harness.model import FaultSet

    faults = FaultSet.parse(config.getoption("chronoedit_mock_fault"), seed=3)
    with _mock(faults=faults) as api:
        return run_conformance(_mock_target(api), options, clock=api.clock)


@contextmanager
def mock_session(
    faults: Sequence[str] = (), seed: int = 3, http: httpx.Client | None = None
) -> Iterator[Session]:
    """One exploration sequence on a fresh mock (virtual clock, two tenants, fast jobs, one
    GPU: the second job submitted already queues). Pass `http` to share one httpx client
    across sequences (building one per sequence costs ~50 ms of TLS setup)."""
    import httpx

    from harness.client import Client
    from harness.conform.explore import Session
    from harness.model import FaultSet, ModelConfig, ServiceTimes
    from harness.secrets import Token

    one_gpu = ModelConfig(workers=1, times=ServiceTimes(time_per_step=0.02, jitter_sigma=0.0))
    mock = _mock(config=one_gpu, faults=FaultSet.parse(faults, seed=seed))
    own = http is None
    client = http or httpx.Client()
    try:
        with mock as api:
            clients = [
                Client(api.base_url, Token(t), http=client, clock=api.clock) for t in api.tokens
            ]
            yield Session(api.base_url, clients[:2], api.sample_url(), MOCK_WAITS)
    finally:
        if own:
            client.close()


def _mock(**kwargs: Any) -> MockApi:
    from harness.mock import MockApi
    from harness.model import ModelConfig, ServiceTimes

    fast = ModelConfig(workers=2, times=ServiceTimes(time_per_step=0.02, jitter_sigma=0.0))
    return MockApi(config=kwargs.pop("config", fast), **kwargs)


def _mock_target(api: MockApi) -> Any:
    from harness.secrets import Token
    from harness.target import Target

    second = Token(api.tokens[1]) if len(api.tokens) > 1 else None
    return Target(api.base_url, Token(api.token), second, api.sample_url())


@pytest.fixture
def chronoedit_mock() -> Iterator[MockApi]:
    """The API on a respx mock with a virtual clock (fast service times, two tenants).

    `api.base_url`, `api.token`, `api.clock` (pass it as the client's clock), `api.sample_url()`.
    """
    with _mock() as api:
        yield api
