"""Who can reach an emulator, and what that demands of it.

On loopback it is a test fixture: published tokens, open ground truth, any `image_url` fetched.
On any other address it is reachable from other machines, so it must have tokens of its own,
ground truth behind auth, and a fetch allow-list (else it scans the network for whoever asks).
"""

from __future__ import annotations

import ipaddress

from harness.model.config import DEFAULT_TOKENS, ModelConfig

__all__ = ["is_loopback_host", "unsafe_off_loopback"]


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name (or "" = every interface): it may reach anything


def unsafe_off_loopback(host: str, config: ModelConfig, *, fetches_any: bool) -> list[str]:
    """Why serving `config` on `host` would be unsafe (empty: it is not, or host is loopback)."""
    if is_loopback_host(host):
        return []
    problems = []
    published = [t for t in config.tokens if t in DEFAULT_TOKENS]
    if published:
        problems.append(f"the token(s) {published} are published in the source")
    if not config.truth_needs_auth:
        problems.append("ground truth would be open to anyone")
    if fetches_any:
        problems.append("it would fetch any image_url (give a fetch allow-list)")
    return problems
