"""Evidence: clipped for reports, but judged and replayed whole."""

from __future__ import annotations

import json

import httpx

from harness.evidence import MAX_BODY_CHARS, Exchange


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
