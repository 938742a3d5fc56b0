"""The harness's own errors: one root, kept apart from API findings.

A `HarnessError` means the harness could not do its job (bad usage, no connection, a server
answer it cannot use). Whether the *server* keeps its contract is a different question,
answered by check outcomes in `harness.checks`, never by raising.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from harness.secrets import scrub

if TYPE_CHECKING:
    from harness.evidence import Exchange

__all__ = [
    "ApiError",
    "AuthError",
    "BudgetExceeded",
    "HarnessError",
    "InsufficientBalance",
    "InvalidInput",
    "JobTimeout",
    "NotFound",
    "RateLimited",
    "SchemaViolation",
    "ServerError",
    "TransportError",
    "UsageError",
    "api_error_for",
]


class HarnessError(Exception):
    """Root of every error the harness raises on purpose.

    The message is scrubbed of every registered secret here, where it is made: a server that
    echoes the token in an error body cannot get it into a console line or a report."""

    def __init__(self, message: object = "", *args: object) -> None:
        super().__init__(scrub(str(message)), *args)


class UsageError(HarnessError):
    """The user asked for something impossible (bad flag, bad URL, missing token)."""


class BudgetExceeded(HarnessError):
    """A run would create more billable jobs than its budget allows."""


class TransportError(HarnessError):
    """The server could not be reached, or the connection broke mid-answer.

    `timed_out`: the call's whole deadline was spent (a hang or a trickle); sending it again
    would spend another, so callers that re-send on no answer should not."""

    def __init__(
        self, message: str, *, method: str = "", url: str = "", timed_out: bool = False
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = scrub(url)
        self.timed_out = timed_out


class ApiError(HarnessError):
    """The server answered with an HTTP error status.

    `error_code` is the API's numeric code (first three digits are the HTTP status), when given.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        error_code: int | None = None,
        detail: Any = None,
        exchange: Exchange | None = None,
    ) -> None:
        code = f" ({error_code})" if error_code is not None else ""
        super().__init__(f"HTTP {status_code}{code}: {message}")
        self.status_code = status_code
        self.error_code = error_code
        self.message = scrub(message)
        self.detail = detail
        self.exchange = exchange


class AuthError(ApiError):
    """401/403, or 400 with error_code 400004 (missing/bad token, inactive account)."""


class InvalidInput(ApiError):
    """400/422: the input broke the model's schema, or the model id is unknown."""


class InsufficientBalance(ApiError):
    """402, or 400 with error_code 400002."""


class NotFound(ApiError):
    """404: unknown or expired request_id."""


class RateLimited(ApiError):
    """429."""


class ServerError(ApiError):
    """5xx: an upstream fault."""


class SchemaViolation(HarnessError):
    """A response did not match its documented schema (raised only in strict mode)."""

    def __init__(self, schema: str, errors: list[str], exchange: Exchange | None = None) -> None:
        super().__init__(f"response breaks {schema}: {'; '.join(errors[:3])}")
        self.schema = schema
        self.errors = errors
        self.exchange = exchange


class JobTimeout(HarnessError):
    """A job reached no terminal state before the deadline. `history` holds what was seen."""

    def __init__(self, request_id: str, timeout: float, history: Any = None) -> None:
        super().__init__(f"job {request_id} not finished after {timeout:g}s")
        self.request_id = request_id
        self.timeout = timeout
        self.history = history


_BY_ERROR_CODE: dict[int, type[ApiError]] = {
    400001: InvalidInput,
    400002: InsufficientBalance,
    400004: AuthError,
    403001: AuthError,
    404001: NotFound,
}

_BY_STATUS: dict[int, type[ApiError]] = {
    400: InvalidInput,
    401: AuthError,
    402: InsufficientBalance,
    403: AuthError,
    404: NotFound,
    422: InvalidInput,
    429: RateLimited,
}


def api_error_for(status_code: int, error_code: int | None) -> type[ApiError]:
    """The most specific ApiError class for an HTTP status and the API's error_code."""
    if error_code is not None and error_code in _BY_ERROR_CODE:
        return _BY_ERROR_CODE[error_code]
    if status_code >= 500:
        return ServerError
    return _BY_STATUS.get(status_code, ApiError)
