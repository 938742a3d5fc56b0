"""The harness's own Locust command-line options (Locust copies them to workers)."""

from __future__ import annotations

from typing import Any

__all__ = ["add_options"]


def add_options(parser: Any) -> None:
    group = parser.add_argument_group("chronoedit-harness")
    group.add_argument("--job-rate", type=float, default=2.0, help="jobs/s submitted in total")
    group.add_argument("--arrivals", default="poisson", choices=["poisson", "constant", "bursts"])
    group.add_argument("--burst-size", type=int, default=6, help="jobs per burst (bursts)")
    group.add_argument(
        "--submit-for", type=float, default=0.0, help="seconds to submit (0: the whole run)"
    )
    group.add_argument("--job-timeout", type=float, default=600.0, help="seconds before lost")
    group.add_argument(
        "--poll-policies", default="1", help="';'-separated policies: S, fixed:S, backoff:I,F,CAP"
    )
    group.add_argument(
        "--cancel-moments",
        default="after_submit,while_queued,while_running,after_completion,twice",
    )
    group.add_argument("--max-jobs", type=int, default=0, help="submit budget (0: none)")
    group.add_argument("--harness-users", type=int, default=0, help="total users (rate split)")
    group.add_argument("--harness-seed", type=int, default=0)
    group.add_argument("--harness-results", default="", help="write job records JSON here")
    group.add_argument("--input-image-url", default="", help="image_url of submitted jobs")
    group.add_argument("--prompt", default="Turn the ankle socks into knee-high socks.")
    group.add_argument(
        "--quit-when-done",
        action="store_true",
        help="quit once the submit window is over and every job ended (with workers: all of them)",
    )
