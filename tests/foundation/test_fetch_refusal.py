"""Which URLs a server may point the harness at (harness.urls.fetch_refusal)."""

from __future__ import annotations

import pytest

from harness.urls import fetch_refusal

PUBLIC = "https://api.example.com"


def _no_dns(host: str, timeout: float) -> list[str]:
    raise OSError(f"cannot resolve {host!r}")


def _resolves_to(address: str):
    return lambda host, timeout: [address]


def test_the_apis_own_origin_needs_no_lookup():
    # the run already talks to the base URL's host: a file there reaches nothing new (offline
    # mocks serve their images from the public base URL that no resolver knows)
    assert fetch_refusal(f"{PUBLIC}/files/a.jpeg", PUBLIC, resolve=_no_dns) is None


def test_another_origin_on_the_same_host_is_looked_up():
    assert fetch_refusal("http://api.example.com:8080/a.jpeg", PUBLIC, resolve=_no_dns)


@pytest.mark.parametrize(
    ("address", "refused"),
    [("169.254.169.254", True), ("10.0.0.7", True), ("127.0.0.1", True), ("93.184.216.34", False)],
)
def test_a_public_base_reaches_only_public_addresses(address, refused):
    why = fetch_refusal("https://cdn.example.net/a.jpeg", PUBLIC, resolve=_resolves_to(address))
    assert (why is not None) is refused


def test_metadata_names_are_refused_even_on_the_base_origin():
    base = "http://metadata.google.internal"
    assert fetch_refusal(f"{base}/computeMetadata/v1/", base, resolve=_no_dns)
