"""Round trips for every endpoint, both status vocabularies, error mapping."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from harness.client import Client, Phase, is_terminal
from harness.errors import (
    ApiError,
    AuthError,
    InvalidInput,
    NotFound,
    RateLimited,
    SchemaViolation,
    ServerError,
)

from .conftest import BASE, status_body, submit_body

INPUT = {"image_url": "https://example.com/a.jpg", "prompt": "make it snow"}


def test_submit_posts_input_with_bearer_token(client: Client, router: respx.MockRouter) -> None:
    route = router.post("/v1/models/nvidia/chrono-edit/lora").respond(200, json=submit_body("r1"))
    ack = client.submit(INPUT)
    assert ack.request_id == "r1"
    assert ack.cancel_url == f"{BASE}/v1/requests/r1/cancel"
    sent = route.calls.last.request
    assert json.loads(sent.content) == INPUT
    assert sent.headers["authorization"] == "Bearer tok-SECRET-123"


@pytest.mark.parametrize(
    ("word", "phase"),
    [
        ("in_queue", Phase.QUEUED),
        ("in_progress", Phase.RUNNING),
        ("completed", Phase.DONE),
        ("cancelled", Phase.CANCELLED),
        ("canceled", Phase.CANCELLED),
    ],
)
def test_status_vocabulary(
    client: Client, router: respx.MockRouter, word: str, phase: Phase
) -> None:
    router.get("/v1/requests/r1/status").respond(200, json=status_body("r1", word, 0))
    status = client.status("r1")
    assert status.phase is phase
    assert status.phase.terminal == (word not in ("in_queue", "in_progress"))
    assert is_terminal(word) == status.phase.terminal


@pytest.mark.parametrize(
    ("word", "phase"),
    [("succeeded", Phase.SUCCEEDED), ("failed", Phase.FAILED), ("in_progress", Phase.RUNNING)],
)
def test_result_vocabulary(
    client: Client, router: respx.MockRouter, word: str, phase: Phase
) -> None:
    body = {"request_id": "r1", "status": word, "created_at": "2026-01-01T00:00:00Z"}
    if word == "succeeded":
        body["output"] = {"images": ["https://cdn.test/out.png"]}
    router.get("/v1/requests/r1/result").respond(200, json=body)
    result = client.result("r1")
    assert result.phase is phase
    assert result.image_url == ("https://cdn.test/out.png" if word == "succeeded" else None)


@pytest.mark.parametrize("outcome", ["cancelled", "not_cancellable"])
def test_cancel_is_202_with_outcome(client: Client, router: respx.MockRouter, outcome: str) -> None:
    router.post("/v1/requests/r1/cancel").respond(
        202, json={"request_id": "r1", "status": "in_queue", "outcome": outcome}
    )
    ack = client.cancel("r1")
    assert ack.cancelled == (outcome == "cancelled")


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (401, {"error_code": 400004, "error_message": "bad token"}, AuthError, 400004),
        (403, {"error_code": 403001, "message": "denied"}, AuthError, 403001),
        (404, {"error_code": 404001, "error_message": "unknown request"}, NotFound, 404001),
        (
            422,
            {"error_code": 422001, "error": "bad", "detail": [{"loc": ["body", "x"]}]},
            InvalidInput,
            422001,
        ),
        (400, {"error_code": 400001, "error_message": "unknown model"}, InvalidInput, 400001),
        (429, {"error_code": 429001, "error_message": "slow down"}, RateLimited, 429001),
        (502, "<html>bad gateway</html>", ServerError, None),
    ],
)
def test_error_mapping(
    client: Client,
    router: respx.MockRouter,
    status: int,
    body: object,
    error: type[ApiError],
    code: int | None,
) -> None:
    kwargs = {"json": body} if isinstance(body, dict) else {"text": body}
    router.post("/v1/requests/r1/cancel").respond(status, **kwargs)
    with pytest.raises(error) as caught:
        client.cancel("r1")
    assert caught.value.status_code == status
    assert caught.value.error_code == code
    assert caught.value.exchange is not None
    assert "tok-SECRET" not in caught.value.exchange.curl()


def test_strict_mode_raises_schema_violation_with_evidence(
    client: Client, router: respx.MockRouter
) -> None:
    router.get("/v1/requests/r1/status").respond(
        200, json={"request_id": "r1", "status": "running"}
    )
    assert client.status("r1").phase is Phase.UNKNOWN  # lenient by default
    client.strict = True
    with pytest.raises(SchemaViolation) as caught:
        client.status("r1")
    assert "status" in str(caught.value)
    assert caught.value.exchange is not None
    assert caught.value.exchange.status_code == 200


def test_request_ids_are_path_quoted(client: Client, router: respx.MockRouter) -> None:
    route = router.get(url__regex=r".*/status$").respond(
        200, json=status_body("a/b", "in_queue", 1)
    )
    client.status("a/b")
    assert route.calls.last.request.url.raw_path == b"/v1/requests/a%2Fb/status"


def test_malformed_base_url_is_a_usage_error() -> None:
    from harness.errors import UsageError

    with pytest.raises(UsageError):
        Client("not a url", "t", http=httpx.Client())
