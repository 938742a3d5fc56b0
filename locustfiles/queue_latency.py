"""`locust -f locustfiles/queue_latency.py --host URL` (token from $RUNCOMFY_API_TOKEN).

Harness options (see `locust -f ... --help`): --job-rate, --arrivals, --poll-policies,
--cancel-moments, --max-jobs, --job-timeout, --harness-results.
"""

from harness.load.swarm.users import QueueLatencyUser

__all__ = ["QueueLatencyUser"]
