"""Base URLs: what counts as well-formed, and what counts as this machine."""

from __future__ import annotations

import ipaddress
import re

import httpx

from harness.errors import UsageError

__all__ = ["checked_base_url", "is_loopback"]

_HOST = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)$")


def checked_base_url(base_url: str) -> str:
    """`base_url` without a trailing slash, or a UsageError saying what is wrong with it."""
    try:
        url = httpx.URL(base_url)
    except httpx.InvalidURL as exc:
        raise UsageError(f"malformed base URL {base_url!r}: {exc}") from None
    # httpx percent-encodes junk in the host instead of refusing it, so check the raw netloc.
    host = url.netloc.decode("ascii", "replace").rsplit("@", 1)[-1]
    host = host if host.endswith("]") else host.rsplit(":", 1)[0]
    if url.scheme not in ("http", "https") or not url.host or not _HOST.match(host):
        raise UsageError(f"base URL must look like http(s)://host[:port], got {base_url!r}")
    return str(url).rstrip("/")


def is_loopback(base_url: str) -> bool:
    """True for localhost and 127.0.0.0/8 or ::1: the only hosts load runs may hit freely."""
    host = httpx.URL(base_url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
