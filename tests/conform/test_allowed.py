"""The small model of what the contract allows: each answer judged by what came before it."""

from __future__ import annotations

from harness.conform.allowed import JobFacts, judge_cancel, judge_foreign, judge_read


def test_allowed_model_judges_answers_by_what_came_before() -> None:
    facts = JobFacts(owner=0)
    assert judge_read(facts, "status", 200, {"status": "in_queue", "queue_position": 2}) is None
    assert judge_read(facts, "status", 200, {"status": "in_queue"}) is not None  # no position
    assert judge_read(facts, "status", 200, {"status": "in_progress"}) is None
    assert "never go back" in str(judge_read(facts, "status", 200, {"status": "in_queue"}))
    assert "had been read" in str(judge_cancel(facts, 202, {"outcome": "cancelled"}))
    assert judge_cancel(facts, 202, {"outcome": "not_cancellable"}) is None
    assert judge_read(facts, "result", 200, {"status": "succeeded"}) is None
    assert "stay put" in str(judge_read(facts, "result", 200, {"status": "failed"}))
    assert "HTTP 404" in str(judge_read(facts, "status", 404, {"error_code": 404001}))
    assert "documented words" in str(judge_read(facts, "status", 200, {"status": "running"}))
    assert judge_cancel(facts, 409, {}) is not None
    assert judge_foreign("status", 404) is None
    assert judge_foreign("status", 200) is not None
    assert judge_foreign("status", 500) is not None


def test_a_cancelled_job_must_read_cancelled_forever() -> None:
    facts = JobFacts(owner=1)
    assert judge_read(facts, "status", 200, {"status": "in_queue", "queue_position": 0}) is None
    assert judge_cancel(facts, 202, {"outcome": "cancelled"}) is None
    assert judge_cancel(facts, 202, {"outcome": "not_cancellable"}) is None  # finished: no-op
    assert judge_read(facts, "status", 200, {"status": "cancelled"}) is None
    assert "yet /result says succeeded" in str(
        judge_read(facts, "result", 200, {"status": "succeeded"})
    )
    refused = JobFacts(owner=0)
    assert judge_cancel(refused, 202, {"outcome": "not_cancellable"}) is None
    assert "not_cancellable" in str(judge_read(refused, "status", 200, {"status": "cancelled"}))
    assert "never go back" in str(
        judge_read(refused, "status", 200, {"status": "in_queue", "queue_position": 0})
    )
    assert "had been read" in str(judge_cancel(refused, 202, {"outcome": "cancelled"}))
    assert "outcome" in str(judge_cancel(refused, 202, {"outcome": "maybe"}))
    assert "JSON object" in str(judge_read(refused, "status", 200, "text"))


def test_exact_verdicts_and_what_the_facts_keep() -> None:
    facts = JobFacts(owner=0)
    assert judge_read(facts, "status", 200, {"status": "in_queue", "queue_position": 2}) is None
    assert facts.position == 2
    assert judge_cancel(facts, 409, {"outcome": "not_cancellable"}) == (
        "cancel of the owner's own job answered HTTP 409, not 202"
    )
    assert judge_cancel(facts, 202, {"outcome": "not_cancellable"}) is None
    # refused: it runs or ran, so in_progress is still fine, in_queue no longer
    assert judge_read(facts, "status", 200, {"status": "in_progress"}) is None
    assert judge_read(facts, "status", 200, {"status": "in_queue", "queue_position": 0}) == (
        "/status said in_queue after the job was seen further on (or refused a cancel as "
        "running): states never go back"
    )
    assert judge_cancel(facts, 202, {"outcome": "cancelled"}) == (
        "cancel said cancelled, but the job had been read in progress or finished"
    )
    assert judge_foreign("status", 400) is None
    assert judge_foreign("status", 499) is None
    assert judge_foreign("status", 399) == "status answered HTTP 399 where a 4xx is due"
