"""Evidence: clipped for reports, but judged and replayed whole."""

from __future__ import annotations

import json

import httpx

from harness.evidence import MAX_BODY_CHARS, Exchange
from harness.secrets import register_secret


def test_a_long_answer_is_clipped_in_the_report_but_parsed_whole() -> None:
    body = {
        "request_id": "r1",
        "status": "succeeded",
        "output": {"images": ["https://c.test/x"] * 500},
    }
    request = httpx.Request("GET", "https://api.test/v1/requests/r1/result")
    exchange = Exchange.of(request, httpx.Response(200, json=body, request=request))
    assert len(json.dumps(body)) > MAX_BODY_CHARS
    assert "more chars]" in exchange.response_body
    assert exchange.response_json() == body
    report = exchange.to_dict()
    assert "response_data" not in report
    assert json.loads(json.dumps(report))["response_body"] == exchange.response_body


def test_a_long_request_body_stays_replayable() -> None:
    body = {"image_url": "https://i.test/a.jpg", "prompt": "é" * 5000}
    request = httpx.Request(
        "POST", "https://api.test/v1/models/nvidia/chrono-edit/lora", json=body,
        headers={"Authorization": "Bearer sekrit"},
    )  # fmt: skip
    exchange = Exchange.of(request)
    assert json.loads(exchange.request_body) == body
    assert "sekrit" not in exchange.curl()
    assert exchange.response_json() is None


def _status(request: httpx.Request, body: bytes) -> httpx.Response:
    return httpx.Response(
        200, content=body, headers={"content-type": "application/json"}, request=request
    )


def test_a_request_sent_again_reads_each_answer_as_it_is() -> None:
    """A job's status request is reused under load: the same bytes back reuse the last
    answer's reading, different bytes get their own."""
    request = httpx.Request("GET", "https://api.test/v1/requests/r1/status")
    queued = b'{"request_id": "r1", "status": "in_queue", "queue_position": 2}'
    first = Exchange.of(request, _status(request, queued))
    again = Exchange.of(request, _status(request, queued), sent_at=5.0)
    moved = Exchange.of(request, _status(request, queued.replace(b"2}", b"1}")))
    assert first.response_json() == again.response_json() == json.loads(queued)
    assert (again.response_body, again.sent_at) == (first.response_body, 5.0)
    assert moved.response_json()["queue_position"] == 1
    assert 'queue_position": 1' in moved.response_body
    clipped = Exchange.of(request, _status(request, queued), clipped=True)
    assert clipped.response_data is None  # a clipped answer is never parsed as whole JSON


def test_a_secret_registered_since_the_last_answer_is_scrubbed_from_the_same_bytes() -> None:
    request = httpx.Request("GET", "https://api.test/v1/requests/r2/status")
    echoed = b'{"request_id": "r2", "status": "in_queue", "note": "late-SECRET-4417"}'
    before = Exchange.of(request, _status(request, echoed))
    assert "late-SECRET-4417" in before.response_body  # not a secret yet
    register_secret("late-SECRET-4417")
    after = Exchange.of(request, _status(request, echoed))
    assert "late-SECRET-4417" not in after.response_body
    assert "late-SECRET-4417" not in json.dumps(after.response_json())
