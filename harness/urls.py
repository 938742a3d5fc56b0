"""Base URLs: what counts as well-formed, what counts as this machine, and which addresses a
URL the server hands us (an output image) may point at."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Callable

import httpx

from harness.errors import UsageError

__all__ = [
    "METADATA_HOSTS",
    "Resolver",
    "checked_base_url",
    "fetch_refusal",
    "is_loopback",
    "resolve_host",
    "same_origin",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, float], list[str]]

# Cloud instance-metadata services: they hand out credentials to whoever asks from inside.
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.azure.com",
        "metadata.tencentyun.com",
    }
)
_METADATA_NETS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",  # link-local: AWS, GCP, Azure, OpenStack metadata at 169.254.169.254
        "fe80::/10",  # IPv6 link-local
        "fd00:ec2::254/128",  # AWS metadata over IPv6
        "100.100.100.200/32",  # Alibaba Cloud metadata
    )
)

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


def _addresses(host: str, resolve: Resolver, timeout: float) -> list[IPAddress]:
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return [ipaddress.ip_address(a) for a in resolve(host, timeout)]
    return [literal]


def _kind(address: IPAddress) -> str:
    """metadata | reserved | loopback | private | public, for one address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in net for net in _METADATA_NETS) or address.is_link_local:
        return "metadata"
    if address.is_unspecified or address.is_multicast or address.is_reserved:
        return "reserved"
    if address.is_loopback:
        return "loopback"
    if address.is_private or (address.version == 4 and address in _SHARED):
        return "private"
    return "public"


_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: private in practice


def _base_kind(base_url: str) -> str:
    host = httpx.URL(base_url).host
    if host == "localhost":
        return "loopback"
    try:
        return _kind(ipaddress.ip_address(host))
    except ValueError:
        return "public"  # a name: judged as the public host it normally is


def resolve_host(host: str, timeout: float) -> list[str]:
    """The host's addresses, within `timeout` seconds (getaddrinfo itself has no timeout)."""
    found: list[str] = []
    failure: list[BaseException] = []

    def lookup() -> None:
        try:
            found.extend(str(info[4][0]) for info in socket.getaddrinfo(host, None))
        except OSError as exc:
            failure.append(exc)

    worker = threading.Thread(target=lookup, daemon=True)  # abandoned if the resolver hangs
    worker.start()
    worker.join(timeout)
    if worker.is_alive() or failure or not found:
        raise OSError(f"cannot resolve {host!r}")
    return found


def fetch_refusal(
    url: str, base_url: str, *, resolve: Resolver = resolve_host, timeout: float = 5.0
) -> str | None:
    """Why the harness must not fetch `url` (a URL the server gave it), or None if it may.

    Always refused: other schemes, metadata names and link-local/metadata addresses.
    Loopback only when the base URL is loopback (the emulator), private ranges only when the
    base URL is not public: a public server cannot point the harness at the machine's own
    network. Every address the name resolves to must pass."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return f"malformed URL {url[:200]!r}"
    if parsed.scheme not in ("http", "https") or not parsed.host:
        return f"not an http(s) URL: {url[:200]!r}"
    host = parsed.host.lower().rstrip(".")
    if host in METADATA_HOSTS:
        return f"{host} is a cloud metadata service"
    if same_origin(url, base_url):  # the API's own host: the run talks to it anyway
        return None
    try:
        addresses = _addresses(host, resolve, timeout)
    except (OSError, ValueError) as exc:
        return str(exc)
    base = _base_kind(base_url)
    allowed = {"public"} | {"loopback": {"loopback", "private"}, "private": {"private"}}.get(
        base, set()
    )
    for address in addresses:
        kind = _kind(address)
        if kind not in allowed:
            shown = host if host.strip("[]") == str(address) else f"{host} ({address})"
            return f"{shown} is a {kind} address, refused for a {base} base URL"
    return None


def same_origin(url: str, other: str) -> bool:
    """Same scheme, host and port: the only place a download may carry the API's token."""
    a, b = httpx.URL(url), httpx.URL(other)
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)
