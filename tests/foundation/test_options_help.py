"""One spelling per option across commands, and every default --help shows is the real one."""

from __future__ import annotations

import argparse

import pytest

from harness.cli import build_parser
from harness.cli.conform import EMBEDDED_WORKERS
from harness.cli.options import embedded_options
from harness.model import ModelConfig

OWN = ("conform", "job", "serve", "capacity", "simulate")


def _parser(command: str) -> argparse.ArgumentParser:
    root = build_parser(only=command)
    sub = next(a for a in root._actions if isinstance(a, argparse._SubParsersAction))
    parser: argparse.ArgumentParser = sub.choices[command]
    return parser


def _flags(command: str, *, shown: bool = True) -> set[str]:
    return {
        flag
        for action in _parser(command)._actions
        if not shown or action.help != argparse.SUPPRESS
        for flag in action.option_strings
    }


def _unset(default: object) -> bool:
    # `is`, not `in`: 0 == False, and a default of 0 must be shown like any other.
    return default is None or default is False or default == [] or default == argparse.SUPPRESS


def _with_a_default(command: str) -> list[argparse.Action]:
    """Options whose default is a value a user could wonder about (not a flag, not unset)."""
    return [
        action
        for action in _parser(command)._actions
        if action.option_strings
        and action.help != argparse.SUPPRESS
        and not _unset(action.default)
        and action.nargs != 0
    ]


@pytest.mark.parametrize("command", OWN)
def test_every_default_is_shown_from_the_value_itself(command: str) -> None:
    actions = _with_a_default(command)
    assert len(actions) >= 3  # --emulator-workers, --max-jobs, --port, ...
    for action in actions:
        assert "%(default)" in str(action.help), f"{command} {action.option_strings}: {action.help}"


def test_conform_help_states_the_workers_the_embedded_emulator_really_gets() -> None:
    parser = _parser("conform")
    args = parser.parse_args([])
    assert args.emulator_workers == EMBEDDED_WORKERS
    assert embedded_options(args).workers == EMBEDDED_WORKERS
    assert f"GPUs (default: {EMBEDDED_WORKERS})" in " ".join(parser.format_help().split())


def test_serve_help_defaults_are_the_model_defaults() -> None:
    args = _parser("serve").parse_args([])
    defaults = ModelConfig()
    assert args.workers == defaults.workers
    assert args.time_per_step == defaults.times.time_per_step
    assert args.retention == defaults.retention
    assert args.host == "127.0.0.1"


def test_one_spelling_per_option() -> None:
    for command in ("conform", "job", "load"):
        assert "--poll-interval" in _flags(command), command
        assert "--poll" not in _flags(command), command  # job keeps it only as a hidden alias
    assert "--job-timeout" in _flags("job")
    assert "--timeout" not in _flags("job")
    assert {"--poll", "--timeout"} <= _flags("job", shown=False)
    users = [c for c in ("conform", "job", "load") if "--second-token" in _flags(c)]
    assert users == ["conform"]  # the only command with a second tenant's checks


def test_the_old_job_spellings_still_work() -> None:
    args = _parser("job").parse_args(["--poll", "backoff:0.1,2,1", "--timeout", "7"])
    assert args.poll_policy == "backoff:0.1,2,1"
    assert args.job_timeout == 7.0
    assert _parser("job").parse_args([]).job_timeout == 600.0


def test_add_defaulted_shows_the_default_from_the_value_itself() -> None:
    from harness.cli.options import add_defaulted, add_seed

    parser = argparse.ArgumentParser(prog="x")
    add_defaulted(parser, "--keep", 2.5, "seconds kept", type=float, metavar="S", after="s")
    add_defaulted(parser, "--family", "gamma", choices=["gamma", "lognormal"])
    add_seed(parser)
    text = " ".join(parser.format_help().split())
    assert "--keep S seconds kept (default: 2.5s)" in text
    assert "--family {gamma,lognormal} (default: gamma)" in text
    assert "--seed SEED (default: 0)" in text
    args = parser.parse_args(["--keep", "4"])
    assert (args.keep, args.family, args.seed) == (4.0, "gamma", 0)
    with pytest.raises(SystemExit):
        parser.parse_args(["--family", "normal"])  # choices still refused


def test_writable_outputs_checks_each_given_path_and_names_its_flag(tmp_path) -> None:
    from harness.cli.options import writable_outputs
    from harness.errors import UsageError

    writable_outputs(("--report", tmp_path / "r.json"), ("--html", None))
    with pytest.raises(UsageError, match=r"^--html .*: is a folder, not a file$"):
        writable_outputs(("--report", tmp_path / "r.json"), ("--html", tmp_path))
    assert list(tmp_path.iterdir()) == []  # the probe left nothing behind
