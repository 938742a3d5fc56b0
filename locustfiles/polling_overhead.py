"""`locust -f locustfiles/polling_overhead.py --host URL` (token from $RUNCOMFY_API_TOKEN).

Harness options (see `locust -f ... --help`): --job-rate, --arrivals, --poll-policies,
--cancel-moments, --max-jobs, --job-timeout, --harness-results.
"""

from harness.load.swarm.users import PollingUser

__all__ = ["PollingUser"]
