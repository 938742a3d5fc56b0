"""Run orchestration: settings, scenarios, the runner that starts Locust in its own process,
and the report built from what the processes measured. Never imports Locust.
"""
