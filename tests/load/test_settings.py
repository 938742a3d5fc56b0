"""The typed run model: one settings object, validated once, one JSON document for Locust."""

from __future__ import annotations

import argparse

import pytest

from harness.errors import UsageError
from harness.load.run.scenarios import CANCEL_MOMENTS, SCENARIOS, scenario
from harness.load.run.settings import (
    LoadSettings,
    add_locust_options,
    option_specs,
    parse_duration,
    settings_from_locust,
)


def test_defaults_are_valid_and_round_trip_through_one_json_document():
    settings = LoadSettings()
    assert LoadSettings.from_json(settings.to_json()) == settings
    custom = LoadSettings(
        scenario="polling", rate=3.0, poll_policy=("1", "backoff:0.5,1.5,4"), slo=("lost==0",),
        emulator_fault=("drop_rate=0.1",), max_jobs=5,
    )  # fmt: skip
    again = LoadSettings.from_json(custom.to_json())
    assert again == custom
    assert again.poll_policy == ("1", "backoff:0.5,1.5,4")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"duration": 0.0}, "--duration 0.0: must be > 0"),
        ({"poll_interval": 0.0}, "--poll-interval 0.0: must be > 0"),
        ({"rate": -1.0}, "--rate -1.0: must be > 0"),
        ({"rate": float("nan")}, "must be > 0"),
        ({"drain": -1.0}, "--drain -1.0: must be >= 0"),
        ({"users": 0}, "--users 0: must be >= 1"),
        ({"repeats": 0}, "--repeats 0: must be >= 1"),
        ({"burst_size": 0}, "--burst-size 0: must be >= 1"),
        ({"max_jobs": -1}, "--max-jobs -1: must be >= 0"),
        ({"processes": 10_000}, "cores: at most"),
        ({"processes": -1}, "must be >= 0"),
        ({"scenario": "soak"}, "--scenario 'soak': choose from queue-latency"),
        ({"arrivals": "gaussian"}, "choose from poisson, constant, bursts"),
        ({"poll_policy": ("backoff:1",)}, "bad poll policy 'backoff:1'"),
        ({"cancel_moment": ("never",)}, "choose from after_submit"),
        ({"slo": ("queue_wait.p42<3s",)}, "stat must be one of"),
        ({"slo": ("queue_wiat.p95<3s",)}, "unknown metric (METRIC.STAT) 'queue_wiat'"),
        ({"slo": ("lsot==0",)}, "unknown count 'lsot'"),
        ({"emulator_fault": ("no-such-fault",)}, "unknown fault 'no-such-fault'"),
        ({"emulator_fault": ("slow=0.5",), "base_url": "http://127.0.0.1:1"}, "drop --base-url"),
        ({"job_timeout": 0.0}, "--job-timeout 0.0: must be > 0"),
        ({"emulator_workers": 0}, "--emulator-workers 0: must be >= 1"),
        ({"version": 99}, "settings version 99"),
    ],
)
def test_every_bad_value_is_refused_in_one_line(changes, words):
    with pytest.raises(UsageError) as caught:
        LoadSettings(**changes)
    message = str(caught.value)
    assert words in message
    assert "\n" not in message


def test_good_edge_values_pass():
    LoadSettings(drain=0.0, max_jobs=0, processes=0, slo=("violations==0", "queue_wait.p95<1s"))
    LoadSettings(emulator_fault=("slow=0.5",), cancel_moment=("twice",))


def test_a_document_with_unknown_fields_or_not_an_object_is_refused():
    with pytest.raises(UsageError, match="unknown field"):
        LoadSettings.from_json('{"rate": 1, "rtae": 2}')
    with pytest.raises(UsageError, match="not a JSON object"):
        LoadSettings.from_json("[1]")
    with pytest.raises(UsageError, match="not JSON"):
        LoadSettings.from_json("{")


def test_locust_options_derive_from_the_fields():
    parser = argparse.ArgumentParser()
    add_locust_options(parser)
    plain = settings_from_locust(parser.parse_args([]))
    assert plain == LoadSettings()
    opts = parser.parse_args(
        ["--job-rate", "2/s", "--poll-policy", "0.5", "--poll-policy", "fixed:1",
         "--max-jobs", "9", "--submit-for", "1m", "--cancel-moment", "twice"]
    )  # fmt: skip
    settings = settings_from_locust(opts)
    assert (settings.rate, settings.poll_policy, settings.max_jobs) == (2.0, ("0.5", "fixed:1"), 9)
    assert (settings.duration, settings.cancel_moment) == (60.0, ("twice",))
    document = LoadSettings(rate=7.0).to_json()
    assert settings_from_locust(parser.parse_args(["--harness-settings", document])).rate == 7.0
    with pytest.raises(UsageError, match="--max-jobs -2"):
        settings_from_locust(parser.parse_args(["--max-jobs", "-2"]))


def test_every_field_has_help_and_every_locust_flag_is_unique():
    flags = [spec.locust for _, spec, _ in option_specs() if spec.locust]
    assert len(flags) == len(set(flags))
    assert all(spec.help for _, spec, _ in option_specs())


def test_durations():
    assert parse_duration("500ms") == 0.5
    assert parse_duration("2m") == 120.0
    assert parse_duration(" 3 ") == 3.0
    assert parse_duration("1h") == 3600.0
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration("soon")


def test_the_registry_names_every_scenario_once():
    assert list(SCENARIOS) == ["queue-latency", "polling", "cancel"]
    assert scenario("cancel").arrivals == "bursts"
    assert "advice" in scenario("polling").sections
    assert CANCEL_MOMENTS[0] == "after_submit"
    with pytest.raises(ValueError, match="unknown scenario"):
        scenario("soak")
    assert LoadSettings(scenario="all").scenarios == list(SCENARIOS)


def test_every_locustfile_is_a_registry_entry_and_exports_its_user():
    """`locust -f locustfiles/X.py`: each file the registry names exists and exports the user
    class the registry names (read with ast: importing it would patch this process)."""
    import ast
    from pathlib import Path

    from harness.load.run.runner import LOCUSTFILES

    folder = Path(__file__).resolve().parents[2] / "locustfiles"
    assert {s.locustfile for s in SCENARIOS.values()} == {p.name for p in folder.glob("*.py")}
    for name, entry in SCENARIOS.items():
        tree = ast.parse((folder / entry.locustfile).read_text())
        module, cls = entry.user_class.split(":")
        imported = [
            (node.module, alias.name)
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        ]
        assert (module, cls) in imported, name
        assert LOCUSTFILES[name] == entry.user_class
