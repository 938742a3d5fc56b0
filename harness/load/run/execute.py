"""A whole `load` command: open the target, run every scenario's repeats within the budget,
fetch the emulator's ground truth, build the report. Never imports Locust.

Ground truth is optional: an emulator that cannot be reached makes it "unavailable", never a
crash. A failure while measuring is one line (HarnessError), never a traceback.
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from harness.errors import HarnessError, UsageError
from harness.load.measure.results import RunResults
from harness.load.measure.slo import Slo, parse_slo
from harness.load.measure.warmup import parse_warmup
from harness.load.run.plan import Plan
from harness.load.run.report import Truth, build_report
from harness.load.run.report_model import LoadReport
from harness.load.run.settings import LoadSettings
from harness.target import GROUND_TRUTH_PATH, EmbeddedOptions, open_target
from harness.urls import checked_base_url, is_loopback

__all__ = ["check_target", "fetch_truth", "run_load"]


def check_target(settings: LoadSettings) -> None:
    """Against a non-loopback host a load run needs an explicit opt-in and a job budget."""
    if settings.base_url is None:
        return
    url = checked_base_url(settings.base_url)
    if not is_loopback(url) and not (settings.allow_remote and settings.max_jobs > 0):
        raise UsageError(f"{url} is not loopback: load needs --allow-remote and --max-jobs N")


def fetch_truth(base_url: str) -> tuple[list[dict[str, Any]] | None, str]:
    """The emulator's ground truth, or None and why (gone, not an emulator, bad answer)."""
    import httpx

    try:
        response = httpx.get(base_url + GROUND_TRUTH_PATH, timeout=10)
        response.raise_for_status()
        jobs = response.json()["jobs"]
        if not isinstance(jobs, list):
            return None, f"unavailable: {GROUND_TRUTH_PATH} gave no job list"
        return jobs, ""
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
        return None, f"unavailable: {type(exc).__name__} from {base_url}{GROUND_TRUTH_PATH}"


def _truth(settings: LoadSettings, base_url: str) -> Truth:
    if not (settings.embedded or is_loopback(base_url)):
        return Truth(None, "not an emulator: no ground truth")
    jobs, why = fetch_truth(base_url)
    servers = settings.emulator_workers if settings.embedded else None
    return Truth(jobs, why, servers)


def _locust_run(plan: Plan, run: LoadSettings, repeat: int) -> RunResults:
    from harness.load.run.runner import LocustRun, run_locust

    csv = None
    if run.locust_csv:
        suffix = f"_{run.scenario}" + (f"_r{repeat}" if plan.settings.repeats > 1 else "")
        csv = str(Path(run.locust_csv + suffix).resolve())
    assert run.rate is not None
    assert run.arrivals is not None
    spec = LocustRun(run, plan.base_url, plan.workdir, csv_prefix=csv)
    return run_locust(spec, plan.token, plan.progress(run.scenario, repeat))


def _slos(settings: LoadSettings) -> list[Slo]:
    return [parse_slo(text) for text in settings.slo]  # validated with the settings


def run_load(settings: LoadSettings, token: str | None) -> LoadReport:
    """Run the command's scenarios and build its report; after a Ctrl-C, from what ran."""
    check_target(settings)
    embedded = EmbeddedOptions(
        workers=settings.emulator_workers, time_per_step=settings.emulator_time_per_step,
        seed=settings.seed, faults=settings.emulator_fault,
        own_process=not settings.emulator_in_process,
    )  # fmt: skip
    with ExitStack() as stack:
        target = stack.enter_context(
            open_target(settings.base_url, token, None, settings.input_image_url, embedded)
        )
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
        plan = Plan(
            settings, target.base_url, None if target.token is None else target.token.reveal(),
            target.input_image_url, workdir,
        )  # fmt: skip
        print(plan.banner(), file=sys.stderr, flush=True)
        runs = plan.run_all(lambda run, repeat: _locust_run(plan, run, repeat))
        try:  # the measuring stage: one line on failure, never a traceback
            return build_report(
                runs, base_url=target.base_url, embedded=settings.embedded,
                target_wait=plan.target_wait, settings=settings.to_dict(),
                slos=_slos(settings), truth=_truth(settings, target.base_url),
                warmup=parse_warmup(settings.warmup), confidence=settings.confidence,
            )  # fmt: skip
        except (HarnessError, KeyboardInterrupt):
            raise
        except Exception as exc:
            raise HarnessError(f"load: measuring failed: {type(exc).__name__}: {exc}") from None
