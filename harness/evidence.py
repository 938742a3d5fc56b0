"""Evidence a person can replay: one HTTP exchange, token redacted, with a curl line.

Every string an exchange holds (URL, headers, body, error) passes `secrets.scrub` when the
exchange is made, so a token the server echoes back never reaches a report.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import InitVar, asdict, dataclass, field, replace
from typing import Any

import httpx

from harness.secrets import REDACTED, TOKEN_ENV, registry_generation, scrub

__all__ = ["MAX_BODY_CHARS", "Exchange"]

MAX_BODY_CHARS = 4000
# A request's scrubbed url, headers and body, kept on the request itself: the load driver
# sends the same status request for a job again and again, and its evidence is the same.
_SAFE_REQUEST = "chronoedit.evidence"
# The last answer's bytes, scrubbed text and parsed JSON, kept on a request that is sent
# again: a job's status reads mostly get the very same body back.
_LAST_ANSWER = "chronoedit.evidence.answer"
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "proxy-authorization"})


def _clip(text: str) -> str:
    if len(text) <= MAX_BODY_CHARS:
        return text
    return text[:MAX_BODY_CHARS] + f"... [{len(text) - MAX_BODY_CHARS} more chars]"


def _safe_headers(headers: httpx.Headers | dict[str, str]) -> dict[str, str]:
    items = headers.items()
    # One scrub of all the values joined: if it finds nothing, no single value holds anything
    # (each is a part of the whole), and the per-value scrubs are skipped.
    joined = "\n".join(v for _, v in items)
    clean = scrub(joined) == joined
    return {
        k: (f"Bearer {REDACTED}" if k.lower() == "authorization" else REDACTED)
        if k.lower() in _SECRET_HEADERS
        else v
        if clean
        else scrub(v)
        for k, v in items
    }


def _is_text(content_type: str) -> bool:
    return not content_type or any(t in content_type for t in ("json", "text", "xml"))


def _body_text(content: bytes, content_type: str, *, clipped: bool = False) -> str:
    if not content:
        return ""
    if not _is_text(content_type):
        return f"<{len(content)} bytes of {content_type}>"
    return scrub(content.decode("utf-8", errors="replace"), clipped=clipped)


def _parse(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _answer(request: httpx.Request, raw: bytes, kind: str, clipped: bool) -> tuple[str, Any]:
    """The answer's scrubbed text and its JSON (None when clipped or not JSON); the same bytes
    as the last answer to this request (under the same secrets) reuse that one's. The parsed
    value is then shared between exchanges: nothing may change it."""
    generation = registry_generation()
    last = request.extensions.get(_LAST_ANSWER)
    if last is not None and last[:4] == (generation, raw, kind, clipped):
        return last[4], last[5]
    text = _body_text(raw, kind, clipped=clipped)
    data = None if clipped else _parse(text)
    request.extensions[_LAST_ANSWER] = (generation, raw, kind, clipped, text, data)
    return text, data


def _safe_request(request: httpx.Request) -> tuple[str, dict[str, str], str]:
    """The request's url, headers and body, scrubbed; cached on the request while no secret
    has been registered since (a new one may be in it). Callers copy the headers."""
    generation = registry_generation()
    cached = request.extensions.get(_SAFE_REQUEST)
    if cached is not None and cached[0] == generation:
        _, url, headers, body = cached
        return url, dict(headers), body
    headers = _safe_headers(dict(request.headers.items()))
    # Our own request stays whole: clipping it would break the curl line that replays it.
    content = request.content if request.stream is not None else b""
    body = _body_text(content, headers.get("content-type", ""))
    url = scrub(str(request.url))
    request.extensions[_SAFE_REQUEST] = (generation, url, headers, body)
    return url, dict(headers), body


@dataclass(frozen=True)
class Exchange:
    """A request and what came back (or the transport error), safe to print and store."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status_code: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str | None = None
    sent_at: float | None = None
    received_at: float | None = None
    # The whole (redacted) response parsed as JSON: `response_body` is clipped for reports, and
    # a check must never judge a long, valid answer by its clipped text.
    response_data: Any = field(default=None, repr=False, compare=False)

    # `of` scrubs what it passes itself (and reuses a request's scrubbed form): only it sets this.
    _scrubbed: InitVar[bool] = False

    def __post_init__(self, _scrubbed: bool) -> None:
        if _scrubbed:
            return
        # Made by hand (tests, other drivers): scrubbed here.
        object.__setattr__(self, "url", scrub(self.url))
        object.__setattr__(self, "request_headers", _safe_headers(self.request_headers))
        object.__setattr__(self, "response_headers", _safe_headers(self.response_headers))
        object.__setattr__(self, "response_body", scrub(self.response_body))
        object.__setattr__(self, "error", None if self.error is None else scrub(self.error))

    @classmethod
    def of(
        cls,
        request: httpx.Request,
        response: httpx.Response | None = None,
        *,
        error: str | None = None,
        sent_at: float | None = None,
        received_at: float | None = None,
        content: bytes | None = None,
        clipped: bool = False,
        keep_body: bool = True,
    ) -> Exchange:
        """`content`: the body as read (a streamed response has none of its own); `clipped`:
        it was cut at a cap or a deadline; `keep_body=False` keeps only its size and type
        (a download that is not the image it should be)."""
        url, req_headers, body = _safe_request(request)
        # httpx's `Headers` decode on every lookup: read each one once, into a plain dict.
        resp_headers = {} if response is None else dict(response.headers.items())
        text, data = "", None
        if response is not None:
            raw = response.content if content is None else content
            kind = resp_headers.get("content-type", "")
            if keep_body or not raw:
                text, data = _answer(request, raw, kind, clipped)  # scrubbed
            else:
                text = f"<{len(raw)} bytes of {kind or 'unknown type'}, not kept>"
        return cls(
            method=request.method,
            url=url,
            request_headers=req_headers,
            request_body=body,
            status_code=None if response is None else response.status_code,
            response_headers=_safe_headers(resp_headers),
            response_body=_clip(text),
            error=None if error is None else scrub(error),
            sent_at=sent_at,
            received_at=received_at,
            response_data=None if clipped else data,
            _scrubbed=True,
        )

    def with_error(self, error: str) -> Exchange:
        """The same exchange with a (scrubbed) note of what went wrong."""
        return replace(self, error=error)

    def curl(self) -> str:
        """A shell line that replays the request; the token comes from the environment."""
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.request_headers.items():
            lname = name.lower()
            if lname == "authorization":
                parts += ["-H", f'"Authorization: Bearer ${TOKEN_ENV}"']
            elif lname in {"content-type", "accept"}:
                parts += ["-H", shlex.quote(f"{name}: {value}")]
        if self.request_body:
            parts += ["--data-raw", shlex.quote(self.request_body)]
        return " ".join(parts)

    def response_json(self) -> Any:
        """The whole response body parsed as JSON, or None."""
        if self.response_data is not None:
            return self.response_data
        return _parse(self.response_body)  # built by hand, without `of`

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["response_data"]  # the report carries the body once, as text
        data["curl"] = self.curl()
        return data
