"""What a check may use: the run's observations, a client for probes, the job budget."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from harness.cases import Case, save_case
from harness.checks.ledger import JobLedger
from harness.checks.observations import Observations, Read
from harness.client import Call, Client
from harness.client.download import download_image
from harness.errors import TransportError
from harness.evidence import Exchange
from harness.secrets import Token

__all__ = ["PROBE_ATTEMPTS", "TRANSIENT_STATUSES", "CheckContext", "Image"]

T = TypeVar("T")

# "Not now" answers (rate limit, bad gateway, unavailable, gateway timeout): availability, not a
# verdict on the request. A 500 is not among them: a body that crashes the server is a finding.
TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})
PROBE_ATTEMPTS = 4  # tries of a probe that should change nothing (see `CheckContext.probe`)


@dataclass(frozen=True)
class Image:
    url: str
    http_status: int | None
    magic: bytes
    size: tuple[int, int] | None
    exchange: Exchange
    problem: str | None = None  # refused address, cut at the cap or deadline, decompression bomb


@dataclass
class CheckContext:
    obs: Observations
    client: Client
    ledger: JobLedger
    input_image_url: str
    second_token: Token | None = None
    examples: int = 20
    seed: int = 0
    cases_dir: Path | None = None
    _images: dict[str, Image] = field(default_factory=dict, repr=False)
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def cached(self, key: str, factory: Callable[[], T]) -> T:
        """Probes shared by several checks run once per run."""
        if key not in self._memo:
            self._memo[key] = factory()
        value: T = self._memo[key]
        return value

    # -- probes -------------------------------------------------------------------------
    def send(self, call: Call, *, token: Token | bool | None = True) -> Read:
        """One raw call; recorded in the observations by the client's listener. A call with
        any token but the run's own (none, a wrong one, the second tenant's) is marked so:
        its answers are judged by the access rules, not as answers to the job's owner."""
        first = len(self.obs.exchanges)
        try:
            reply = self.client.request(call, token=token)
        finally:
            if token is not True:
                self.obs.mark_foreign(self.obs.exchanges[first:])
        return Read.of(call.endpoint, reply.exchange, reply.received_at)

    def probe(self, call: Call, *, token: Token | bool | None = True) -> Read:
        """A call that should change nothing (an invalid body, a foreign or missing token, an
        unknown id, a repeated cancel): re-sent when it gets no answer or a transient one, so
        transport noise is not judged as the server's verdict. Reads are retried by the client
        itself. Raises TransportError when no try got an answer."""
        if call.safe:
            return self.send(call, token=token)
        attempt = 0
        while True:
            attempt += 1
            try:
                read = self.send(call, token=token)
            except TransportError as exc:
                if attempt >= PROBE_ATTEMPTS or exc.timed_out:  # a hang: not four deadlines
                    raise
            else:
                if read.http_status not in TRANSIENT_STATUSES or attempt >= PROBE_ATTEMPTS:
                    return read
            self.client.clock.sleep(self.client.retry.delay(attempt))

    def submit_probe(self, case: Case, origin: str, *, token: Token | bool | None = True) -> Read:
        """Submit a body that should create no job. If one is created anyway it is counted
        against the budget and cancelled at once. Callers check `ledger.can_create()` first."""
        call = Call.submit(case.body, self.client.model_id, raw=case.payload())
        read = self.probe(call, token=token)
        rid = read.body.get("request_id") if isinstance(read.body, dict) else None
        if read.ok and isinstance(rid, str) and rid:
            entry = self.ledger.add(rid, origin, "accepted")
            try:
                ack = self.probe(Call.on_request("cancel", rid))
                outcome = ack.body.get("outcome") if isinstance(ack.body, dict) else None
                entry.state = "cancelled" if outcome == "cancelled" else f"cancel: {outcome}"
                entry.cancel = str(outcome)
            except TransportError:
                entry.state = "cancel failed"
        return read

    def save_failing(self, case: Case, note: str) -> None:
        if self.cases_dir is not None:
            save_case(self.cases_dir, case, note)

    # -- output images --------------------------------------------------------------------
    def image(self, url: str) -> Image:
        """Download an output image once (no Authorization header: it may be another host)."""
        if url not in self._images:
            self._images[url] = self._download(url)
        return self._images[url]

    def _download(self, url: str) -> Image:
        """GET the image (`client.download`: redirects followed safely, bounded), retried like
        a read on no answer or a transient status."""
        for attempt in range(1, PROBE_ATTEMPTS + 1):
            got = download_image(
                self.client.http,
                url,
                base_url=self.client.base_url,
                bounds=self.client.bounds,
                auth=self.client.headers(),
            )
            for exchange in got.exchanges:
                self.obs.record(exchange)  # counted by the transport check
            if not got.retryable:
                break
            if attempt < PROBE_ATTEMPTS:
                self.client.clock.sleep(self.client.retry.delay(attempt))
        return Image(url, got.status, got.content[:16], got.size, got.exchange, got.problem)
