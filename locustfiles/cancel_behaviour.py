"""`locust -f locustfiles/cancel_behaviour.py --host URL` (token from $RUNCOMFY_API_TOKEN).

Harness options (see `locust -f ... --help`): --job-rate, --arrivals, --poll-policies,
--cancel-moments, --max-jobs, --job-timeout, --harness-results.
"""

from harness.load.swarm.users import CancelUser

__all__ = ["CancelUser"]
