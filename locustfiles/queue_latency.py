"""`locust -f locustfiles/queue_latency.py --host URL` (token from $RUNCOMFY_API_TOKEN).

Harness options (declared once in harness.load.run.settings): --job-rate, --arrivals,
--poll-policy (repeatable), --cancel-moment (repeatable), --max-jobs, --job-timeout, or the whole
document with --harness-settings JSON; --harness-results PATH writes the job records. Across
machines: add --master --expect-workers N here, `locust -f - --worker --master-host H` there.
"""

from harness.load.swarm.users import QueueLatencyUser

__all__ = ["QueueLatencyUser"]
