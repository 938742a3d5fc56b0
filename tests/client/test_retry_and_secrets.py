"""Only safe calls are retried; the token never shows."""

from __future__ import annotations

import pickle

import httpx
import pytest
import respx

from harness.client import Client, RetryPolicy
from harness.clock import VirtualClock
from harness.errors import ServerError, TransportError
from harness.evidence import Exchange
from harness.secrets import Token

from .conftest import BASE, TOKEN, status_body


def test_submit_is_never_retried(client: Client, router: respx.MockRouter) -> None:
    route = router.post("/v1/models/nvidia/chrono-edit/lora").respond(
        503, json={"error_code": 503001, "error": "busy"}
    )
    with pytest.raises(ServerError):
        client.submit({"image_url": "u", "prompt": "p"})
    assert route.call_count == 1


def test_submit_connection_error_is_not_retried(client: Client, router: respx.MockRouter) -> None:
    route = router.post("/v1/models/nvidia/chrono-edit/lora").mock(
        side_effect=httpx.ConnectError("refused")
    )
    with pytest.raises(TransportError):
        client.submit({"image_url": "u", "prompt": "p"})
    assert route.call_count == 1


def test_cancel_is_not_retried(client: Client, router: respx.MockRouter) -> None:
    route = router.post("/v1/requests/r1/cancel").respond(
        500, json={"error_code": 500001, "error": "x"}
    )
    with pytest.raises(ServerError):
        client.cancel("r1")
    assert route.call_count == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.Response(503, json={"error_code": 503001, "error": "busy"}),
        httpx.Response(
            429, json={"error_code": 429001, "error": "slow"}, headers={"Retry-After": "2"}
        ),
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
    ],
)
def test_status_is_retried_then_succeeds(
    client: Client, router: respx.MockRouter, clock: VirtualClock, failure: object
) -> None:
    ok = httpx.Response(200, json=status_body("r1", "in_progress"))
    route = router.get("/v1/requests/r1/status").mock(side_effect=[failure, ok])
    before = clock.now()
    assert client.status("r1").status == "in_progress"
    assert route.call_count == 2
    waited = clock.now() - before
    if isinstance(failure, httpx.Response) and failure.status_code == 429:
        assert waited == 2.0  # Retry-After honoured
    else:
        assert 0 <= waited <= 0.25


def test_status_retries_are_bounded(client: Client, router: respx.MockRouter) -> None:
    route = router.get("/v1/requests/r1/status").respond(
        503, json={"error_code": 503001, "error": "busy"}
    )
    with pytest.raises(ServerError):
        client.status("r1")
    assert route.call_count == 3  # RetryPolicy(attempts=3)


def test_token_never_in_repr_errors_or_evidence(router: respx.MockRouter) -> None:
    router.get("/v1/requests/r1/status").mock(
        side_effect=httpx.ConnectError(f"boom Bearer {TOKEN}")
    )
    seen: list[Exchange] = []
    http = httpx.Client()
    client = Client(
        BASE,
        TOKEN,
        http=http,
        clock=VirtualClock(),
        retry=RetryPolicy(attempts=1),
        listeners=[seen.append],
    )
    assert TOKEN not in repr(client)
    assert TOKEN not in repr(client.token)
    assert TOKEN not in str(client.token)
    with pytest.raises(TransportError) as caught:
        client.status("r1")
    assert TOKEN not in str(caught.value)
    assert seen
    assert TOKEN not in repr(seen[0])
    assert TOKEN not in seen[0].curl()
    assert TOKEN not in str(seen[0].to_dict())
    with pytest.raises(TypeError):
        pickle.dumps(client.token)
    http.close()


def test_token_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUNCOMFY_API_TOKEN", "env-token")
    assert Token.from_env_or(None) == Token("env-token")
    assert Token.from_env_or("explicit") == Token("explicit")
    monkeypatch.delenv("RUNCOMFY_API_TOKEN")
    assert Token.from_env_or(None) is None


def test_no_token_sends_no_authorization(router: respx.MockRouter) -> None:
    route = router.get("/v1/requests/r1/status").respond(
        401, json={"error_code": 400004, "error": "no"}
    )
    with httpx.Client() as http:
        client = Client(BASE, None, http=http, clock=VirtualClock())
        client.token = None
        with pytest.raises(Exception):  # noqa: B017,PT011 - AuthError, mapped above
            client.status("r1")
    assert "authorization" not in route.calls.last.request.headers
