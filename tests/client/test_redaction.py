"""The token never leaves the process, whatever the server sends back.

`secrets.scrub` runs where data enters: every Exchange (body, headers, URL, error) and every
HarnessError message. These tests feed it echoes in the shapes servers produce.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.client import Call, Client
from harness.emulator import EmulatorServer
from harness.errors import ApiError, HarnessError, InvalidInput, TransportError
from harness.evidence import Exchange
from harness.model import ModelConfig, ServiceTimes
from harness.secrets import REDACTED, Token, scrub, scrub_bytes
from tests.hostile.servers import HostileServer

SECRET = "redact-SECRET-31415926"
TOKEN = Token(SECRET)  # registered: scrubbed from now on


@pytest.mark.parametrize(
    "echo",
    [
        SECRET,
        f"Bearer {SECRET}",
        "tok%3D" + SECRET,
        json.dumps({"t": SECRET}),
        f"prefix{SECRET}suffix",
    ],
)
def test_every_spelling_of_a_registered_token_is_scrubbed(echo: str) -> None:
    assert SECRET not in scrub(echo)
    assert REDACTED in scrub(echo)


def test_percent_encoded_and_json_escaped_echoes_are_scrubbed() -> None:
    odd = Token('odd/"token"+value')
    assert "odd%2F%22token%22%2Bvalue" not in scrub("q=odd%2F%22token%22%2Bvalue")
    assert 'odd/\\"token\\"+value' not in scrub(json.dumps({"t": odd.reveal()}))


def test_a_clipped_text_loses_a_trailing_piece_of_the_token() -> None:
    text = "body ... " + SECRET[:9]
    assert SECRET[:9] not in scrub(text, clipped=True)
    assert scrub(text) == text  # unclipped text is left alone: the piece may be anything


def test_short_values_are_not_registered() -> None:
    Token("abc")
    assert scrub("abc abc") == "abc abc"


def test_bytes_are_scrubbed_too() -> None:
    assert SECRET.encode() not in scrub_bytes(b'{"echo": "' + SECRET.encode() + b'"}')
    cut = b'{"echo": "' + SECRET[:9].encode()
    assert SECRET[:9].encode() not in scrub_bytes(cut, clipped=True)
    assert scrub_bytes(cut) == cut


def test_error_messages_are_scrubbed_where_they_are_made() -> None:
    assert SECRET not in str(HarnessError(f"bad token {SECRET}"))
    api = InvalidInput(400, f"request by {SECRET}", error_code=400001)
    assert SECRET not in str(api)
    assert SECRET not in api.message
    transport = TransportError(f"GET x?t={SECRET} failed", url=f"https://h/x?t={SECRET}")
    assert SECRET not in str(transport) + transport.url


def test_an_exchange_scrubs_url_headers_body_and_error() -> None:
    request = httpx.Request(
        "GET", f"https://h/x?t={SECRET}", headers={"Authorization": f"Bearer {SECRET}"}
    )
    response = httpx.Response(
        400,
        json={"error_message": f"by {SECRET}"},
        headers={"X-Echo": SECRET},
        request=request,
    )
    exchange = Exchange.of(request, response, error=f"echo {SECRET}")
    text = json.dumps(exchange.to_dict())
    assert SECRET not in text
    assert SECRET not in json.dumps(exchange.response_json())
    by_hand = Exchange("GET", f"https://h/{SECRET}", {}, "", response_body=SECRET)
    assert SECRET not in json.dumps(by_hand.to_dict())


def test_a_reused_request_is_scrubbed_of_a_secret_registered_after_its_first_exchange() -> None:
    """The evidence of a request is cached on it (the load driver re-sends one status request);
    a secret registered since must not slip through that cache."""
    later = "later-SECRET-16180339"
    request = httpx.Request("GET", f"https://h/x?a={later}", headers={"X-Key": later})
    first = Exchange.of(request)
    assert later in first.url  # not a secret yet
    Token(later)
    again = Exchange.of(request)
    assert later not in json.dumps(again.to_dict())
    assert Exchange.of(request).request_headers == again.request_headers


# -- live: servers that echo it ---------------------------------------------------------------
LIVE_SECRET = "echo-SECRET-token-2718281"
CONFIG = ModelConfig(tokens=(LIVE_SECRET,), workers=1, times=ServiceTimes(time_per_step=0.01))


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(CONFIG) as server:
        yield server


@pytest.mark.live
def test_a_refusal_that_echoes_the_token_raises_without_it(emulator: EmulatorServer) -> None:
    with (
        HostileServer("echo_token_error", emulator) as bad,
        Client(bad.base_url, LIVE_SECRET) as client,
        pytest.raises(ApiError) as caught,
    ):
        client.submit({"image_url": emulator.sample_url(), "prompt": "p"})
    error = caught.value
    assert "(request by <redacted>)" in str(error)
    assert error.exchange is not None
    everything = str(error) + json.dumps(error.exchange.to_dict()) + repr(error.detail)
    assert LIVE_SECRET not in everything


@pytest.mark.live
def test_answers_that_echo_the_token_reach_the_caller_scrubbed(emulator: EmulatorServer) -> None:
    seen: list[Exchange] = []
    with (
        HostileServer("echo_token", emulator) as bad,
        Client(bad.base_url, LIVE_SECRET, listeners=[seen.append]) as client,
    ):
        ack = client.submit({"image_url": emulator.sample_url(), "prompt": "p"})
        status = client.status(ack.request_id)
        reply = client.request(Call.on_request("result", ack.request_id))
    assert status.raw["echo"] == f"Bearer {REDACTED}"
    assert LIVE_SECRET not in json.dumps(ack.raw) + json.dumps(reply.json())
    assert LIVE_SECRET.encode() not in reply.response.content
    assert all(LIVE_SECRET not in json.dumps(e.to_dict()) for e in seen)
    assert any(e.response_headers.get("x-echo") == REDACTED for e in seen)


# -- properties --------------------------------------------------------------------------------
@given(st.text(max_size=40), st.text(max_size=40), st.integers(min_value=0, max_value=120))
def test_no_long_piece_of_the_token_survives_a_scrub_or_a_clip(
    before: str, after: str, cut: int
) -> None:
    text = before + SECRET + after
    assert SECRET not in scrub(text)
    clipped = scrub(text[:cut], clipped=True)
    pieces = {SECRET[i : i + 8] for i in range(len(SECRET) - 7)}
    leaked = [p for p in pieces if p in clipped and p not in before + after]
    assert not leaked
