"""A load run's settings, declared once: every field carries its flag, help, unit and validator.

The `load` command's options, the Locust options of `locust -f locustfiles/...` and their
defaults are derived from the fields below; the settings reach Locust processes as one JSON
document (`to_json` / `from_json`), never as re-declared options joined by strings. Every
value is checked here, before the first job is submitted (fail before spending).

Defaults that depend on the target (the rate, the arrival process, the poll interval and the
capacity target on the embedded emulator) are `None` here and resolved per run by
`harness.load.run.plan`.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import MISSING, asdict, dataclass, field, fields, replace
from typing import Any

from harness.client.policies import parse_policy
from harness.errors import UsageError
from harness.load.run.scenarios import ARRIVALS, CANCEL_MOMENTS, SCENARIOS

__all__ = [
    "SETTINGS_VERSION",
    "LoadSettings",
    "Spec",
    "add_argument",
    "add_locust_options",
    "flag",
    "option_specs",
    "parse_duration",
    "settings_from_locust",
]

SETTINGS_VERSION = 1
PROMPT = "Turn the ankle socks into knee-high socks."
_MAX_PROCESSES_PER_CORE = 4  # beyond this the workers only fight over the cores


def parse_duration(text: str) -> float:
    """`500ms`, `30s`, `2m`, `1h` or bare seconds -> seconds."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|h)?\s*", text)
    if not match:
        raise ValueError(f"bad duration {text!r}: use e.g. 500ms, 30s, 2m")
    scale = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}[match[2] or "s"]
    return float(match[1]) * scale


def _rate(text: str) -> float:
    try:
        return float(text.strip().removesuffix("/s"))
    except ValueError:
        raise ValueError(f"bad rate {text!r}: use e.g. 2 or 2/s") from None


def _positive(value: float | None) -> str | None:
    if value is None or (math.isfinite(value) and value > 0):
        return None
    return "must be > 0"


def _at_least(low: int) -> Callable[[int], str | None]:
    return lambda value: None if value >= low else f"must be >= {low}"


def _not_negative(value: float) -> str | None:
    return None if math.isfinite(value) and value >= 0 else "must be >= 0"


def _processes(value: int) -> str | None:
    cores = os.cpu_count() or 1
    if value < 0:
        return "must be >= 0"
    if value > cores * _MAX_PROCESSES_PER_CORE:
        return f"{value} workers on {cores} cores: at most {cores * _MAX_PROCESSES_PER_CORE}"
    return None


def _port(value: int) -> str | None:
    return None if 0 < value < 65536 else "must be a TCP port (1-65535)"


def _policies(values: tuple[str, ...]) -> str | None:
    for text in values:
        try:
            parse_policy(text)
        except ValueError as exc:
            return str(exc)
    return None


def _moments(values: tuple[str, ...]) -> str | None:
    unknown = [v for v in values if v not in CANCEL_MOMENTS]
    if unknown or not values:
        return f"unknown cancel moment(s) {unknown}; known: {', '.join(CANCEL_MOMENTS)}"
    return None


def _slos(values: tuple[str, ...]) -> str | None:
    from harness.load.measure.metrics import COUNTS, METRICS
    from harness.load.measure.slo import parse_slo

    for text in values:
        try:
            slo = parse_slo(text)
        except ValueError as exc:
            return str(exc)
        known = tuple(METRICS) if slo.stat is not None else COUNTS
        if slo.metric not in known:
            kind = "metric (METRIC.STAT)" if slo.stat is not None else "count"
            return f"unknown {kind} {slo.metric!r} in {text!r}; known: {', '.join(known)}"
    return None


def _confidence(value: float) -> str | None:
    return None if 0.5 < value < 1 else "must be in (0.5, 1)"


def _warmup(text: str) -> str | None:
    from harness.load.measure.warmup import parse_warmup

    try:
        parse_warmup(text)
    except ValueError as exc:
        return str(exc)
    return None


def _faults(values: tuple[str, ...]) -> str | None:
    from harness.model.faults import parse_fault

    for text in values:
        try:
            parse_fault(text)
        except UsageError as exc:
            return str(exc)
    return None


@dataclass(frozen=True)
class Spec:
    """How a field appears on a command line and what values it takes."""

    help: str
    unit: str = ""
    parse: Callable[[str], Any] | None = None  # text -> value (None: str, or a flag for bools)
    check: Callable[[Any], str | None] | None = None  # value -> the problem, or None
    choices: tuple[str, ...] | None = None
    repeat: bool = False  # the flag may be given several times (a tuple field)
    locust: str | None = None  # the field's Locust option, for `locust -f` runs
    cli: bool = True  # False: declared by the shared target options, checked here
    metavar: str | None = None


def setting(default: Any, help: str, **spec: Any) -> Any:
    return field(default=default, metadata={"spec": Spec(help=help, **spec)})


@dataclass(frozen=True)
class LoadSettings:
    """Everything a `load` run does, by value. The token is never part of it."""

    scenario: str = setting(
        "queue-latency", "scenario to run", choices=(*SCENARIOS, "all"), locust="--scenario"
    )
    rate: float | None = setting(
        None, "job arrivals per second (default: embedded, a share of the emulator's capacity "
        "per scenario; else 0.2)", unit="jobs/s", parse=_rate, check=_positive,
        locust="--job-rate", metavar="R/s",
    )  # fmt: skip
    arrivals: str | None = setting(
        None, "arrival process (default: poisson; embedded cancel: bursts, so cancels meet a "
        "queue)", choices=ARRIVALS, locust="--arrivals",
    )  # fmt: skip
    burst_size: int = setting(
        6, "jobs per burst (--arrivals bursts)", unit="jobs", parse=int, check=_at_least(1),
        locust="--burst-size",
    )  # fmt: skip
    users: int = setting(1, "Locust users sharing the rate", parse=int, check=_at_least(1))
    duration: float = setting(
        30.0, "how long to submit (e.g. 60s)", unit="s", parse=parse_duration, check=_positive,
        locust="--submit-for",
    )  # fmt: skip
    drain: float = setting(
        30.0, "extra time for in-flight jobs to end", unit="s", parse=parse_duration,
        check=_not_negative,
    )  # fmt: skip
    poll_interval: float | None = setting(
        None, "fixed poll interval (default 0.1 on the emulator, else 1)", unit="s",
        parse=float, check=_positive, metavar="S",
    )  # fmt: skip
    poll_policy: tuple[str, ...] = setting(
        (), "a poll policy: S, fixed:S or backoff:I,F,CAP[,J] (repeatable; polling compares "
        "them, the others use the first)", repeat=True, check=_policies,
        locust="--poll-policy", metavar="P",
    )  # fmt: skip
    cancel_moment: tuple[str, ...] = setting(
        CANCEL_MOMENTS, "cancel scenario: when to cancel, round-robin (repeatable)",
        repeat=True, check=_moments, choices=CANCEL_MOMENTS, locust="--cancel-moment",
    )  # fmt: skip
    job_timeout: float = setting(
        600.0, "seconds before a job counts as lost", unit="s", parse=parse_duration,
        check=_positive, locust="--job-timeout",
    )  # fmt: skip
    target_wait: float | None = setting(
        None, "p95 queue wait the capacity answer targets (default 30s; embedded: 1s, its "
        "jobs take under a second)", unit="s", parse=parse_duration, check=_positive,
    )  # fmt: skip
    report: str = setting("load-report.json", "JSON report path", metavar="PATH")
    html: str | None = setting(None, "HTML report path", metavar="PATH")
    csv: str | None = setting(None, "CSV report path (one row per scenario metric)",
                              metavar="PATH")  # fmt: skip
    locust_csv: str | None = setting(None, "Locust's own CSV files, this prefix",
                                     metavar="PREFIX")  # fmt: skip
    processes: int = setting(0, "Locust worker processes (0: one process)", parse=int,
                             check=_processes)  # fmt: skip
    # Across machines: this command is Locust's master and waits for workers started
    # elsewhere with `load --worker --master-host HOST`.
    expect_workers: int = setting(
        0, "run as master: wait for N workers from other machines (load --worker)",
        parse=int, check=_at_least(0), metavar="N",
    )  # fmt: skip
    master_bind_host: str = setting(
        "127.0.0.1", "master: address to listen on for workers (0.0.0.0: every interface)",
        metavar="ADDR",
    )  # fmt: skip
    master_bind_port: int = setting(5557, "master: port to listen on for workers", parse=int,
                                    check=_port, metavar="PORT")  # fmt: skip
    worker: bool = setting(False, "run as a worker of a master on another machine")
    master_host: str = setting("127.0.0.1", "worker: the master's address", metavar="ADDR")
    master_port: int = setting(5557, "worker: the master's port", parse=int, check=_port,
                               metavar="PORT")  # fmt: skip
    max_jobs: int = setting(
        0, "submit budget of the whole command, shared by its scenarios, repeats and workers "
        "(required remotely; 0: none)", unit="jobs", parse=int, check=_at_least(0),
        locust="--max-jobs",
    )  # fmt: skip
    allow_remote: bool = setting(False, "allow a non-loopback host (needs --max-jobs)")
    slo: tuple[str, ...] = setting(
        (), "gate, e.g. 'queue_wait.p95<30s' or 'lost==0' (repeatable)", repeat=True,
        check=_slos, metavar="GATE",
    )  # fmt: skip
    # Verdicts (harness.load.measure.verdicts): how sure a percentile gate must be, what an
    # undecided gate exits as, and which first jobs stay out of the figures and gates.
    confidence: float = setting(
        0.99, "confidence a percentile gate's PASS or FAIL needs", parse=float,
        check=_confidence,
    )  # fmt: skip
    inconclusive: str | None = setting(
        None, "exit as pass or fail when a gate is inconclusive (default: exit 3)",
        choices=("pass", "fail"),
    )  # fmt: skip
    warmup: str = setting(
        "0", "first jobs kept out of figures and gates, reported apart: a duration (30s) or a "
        "job count (5jobs)", check=_warmup, metavar="30s|5jobs",
    )  # fmt: skip
    stop_on_lost_slo: bool = setting(
        False, "stop submitting once a percentile or max gate can no longer pass within the "
        "budget or time left (queued jobs cancelled; the gate fails)",
    )  # fmt: skip
    junit: str | None = setting(None, "SLO verdicts as JUnit XML", metavar="PATH")
    seed: int = setting(0, "seed of the arrivals (repeat r uses seed + r)", parse=int,
                        locust="--harness-seed")  # fmt: skip
    repeats: int = setting(1, "repeat runs (seed, seed+1, ...)", parse=int, check=_at_least(1))
    emulator_in_process: bool = setting(
        False, "embedded emulator in this process (default: its own process)"
    )
    prompt: str = setting(PROMPT, "prompt of submitted jobs", locust="--prompt")
    # Declared by the shared target options (harness.cli.options), checked here.
    base_url: str | None = setting(None, "API base URL", cli=False)
    input_image_url: str | None = setting(None, "image_url of submitted jobs", cli=False,
                                          locust="--input-image-url")  # fmt: skip
    emulator_workers: int = setting(2, "embedded emulator GPUs", cli=False, check=_at_least(1))
    emulator_time_per_step: float = setting(
        0.07, "embedded emulator seconds per step", unit="s", cli=False, check=_positive
    )
    emulator_fault: tuple[str, ...] = setting((), "embedded emulator fault", cli=False,
                                              repeat=True, check=_faults)  # fmt: skip
    version: int = setting(SETTINGS_VERSION, "settings document version", cli=False)

    def __post_init__(self) -> None:
        problem = next(self.problems(), None)
        if problem is not None:
            raise UsageError(problem)

    def problems(self) -> Iterator[str]:
        """Every value's problem, one line each, field by field, then across fields."""
        for f in fields(self):
            spec: Spec = f.metadata["spec"]
            value = getattr(self, f.name)
            if spec.choices and value is not None:
                bad = [v for v in (value if spec.repeat else (value,)) if v not in spec.choices]
                if bad:
                    yield f"{flag(f.name)} {bad[0]!r}: choose from {', '.join(spec.choices)}"
                    continue
            problem = spec.check(value) if spec.check else None
            if problem:
                shown = " ".join(value) if isinstance(value, tuple) else value
                yield f"{flag(f.name)} {shown}: {problem}"
        if self.version != SETTINGS_VERSION:
            yield f"settings version {self.version}: this harness reads {SETTINGS_VERSION}"
        if self.expect_workers and self.processes:
            yield "--expect-workers and --processes: choose one (workers elsewhere, or here)"
        if self.stop_on_lost_slo:
            yield from self._stop_problems()
        if self.base_url is not None and self.emulator_fault:
            yield "--emulator-fault needs the embedded emulator: drop --base-url"

    def _stop_problems(self) -> Iterator[str]:
        from harness.load.measure.slo import parse_slo

        if not any(parse_slo(text).per_job for text in self.slo if not _slos((text,))):
            yield ("--stop-on-lost-slo needs an --slo percentile or max gate to judge "
                   "(e.g. 'queue_wait.p95<30s')")  # fmt: skip
        elif self.repeats > 1:
            yield "--stop-on-lost-slo judges one run: drop --repeats (gates judge repeats together)"

    def outputs(self) -> list[tuple[str, str]]:
        """(flag, path) of every file the run will write."""
        named = (("--report", self.report), ("--html", self.html), ("--csv", self.csv),
                 ("--junit", self.junit))  # fmt: skip
        return [(f, p) for f, p in named if p]

    @property
    def embedded(self) -> bool:
        return self.base_url is None

    @property
    def scenarios(self) -> list[str]:
        return list(SCENARIOS) if self.scenario == "all" else [self.scenario]

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LoadSettings:
        """Validated like the command line: an unknown key or a bad value is a UsageError."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise UsageError(f"load settings: unknown field(s) {', '.join(unknown)}")
        values: dict[str, Any] = {
            k: tuple(v) if known[k].metadata["spec"].repeat else v for k, v in data.items()
        }
        return cls(**values)

    @classmethod
    def from_json(cls, text: str) -> LoadSettings:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"load settings: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise UsageError("load settings: not a JSON object")
        return cls.from_dict(data)

    def replace(self, **changes: Any) -> LoadSettings:
        return replace(self, **changes)


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def option_specs() -> Iterator[tuple[str, Spec, Any]]:
    """(field name, spec, default) of every field, in declaration order."""
    for f in fields(LoadSettings):
        default = f.default if f.default is not MISSING else None
        yield f.name, f.metadata["spec"], default


def _help(spec: Spec, default: Any) -> str:
    if default is None or default == () or isinstance(default, bool):
        return spec.help
    shown = ",".join(default) if isinstance(default, tuple) else f"{default:g}" if isinstance(
        default, float) else str(default)  # fmt: skip
    unit = f" {spec.unit}" if spec.unit and spec.unit != "s" else spec.unit
    return f"{spec.help} (default: {shown}{unit})"


def add_argument(parser: Any, name: str, spec: Spec, default: Any, option: str) -> None:
    """One field as an argparse option (argparse, or Locust's configargparse parser)."""
    kwargs: dict[str, Any] = {"dest": name, "help": _help(spec, default)}
    if isinstance(default, bool):
        kwargs["action"] = "store_true"
    else:
        if spec.repeat:
            kwargs["action"] = "append"
        kwargs["default"] = None  # unset: the settings' own default applies
        if spec.parse is not None:
            kwargs["type"] = spec.parse
        if spec.choices is not None:
            kwargs["choices"] = spec.choices
        metavar = spec.metavar or ("T" if spec.unit == "s" else "N" if spec.parse is int else None)
        if metavar is not None:
            kwargs["metavar"] = metavar
    parser.add_argument(option, **kwargs)


def add_locust_options(parser: Any) -> None:
    """The harness's options on Locust's parser: the whole settings document
    (`--harness-settings`, what `load` passes), or single fields for a plain `locust -f` run."""
    group = parser.add_argument_group("chronoedit-harness")
    group.add_argument(
        "--harness-settings", default="", help="the load settings as one JSON document"
    )
    for name, spec, default in option_specs():
        if spec.locust:
            add_argument(group, name, spec, default, spec.locust)


def settings_from_locust(options: Any) -> LoadSettings:
    """The settings a Locust process runs with: the document if given, else its single options
    over the defaults (UsageError on a bad value)."""
    document = getattr(options, "harness_settings", "") or ""
    if document:
        return LoadSettings.from_json(document)
    given: dict[str, Any] = {
        name: tuple(value) if spec.repeat else value
        for name, spec, _ in option_specs()
        if spec.locust and (value := getattr(options, name, None)) is not None
    }
    return LoadSettings(**given)
