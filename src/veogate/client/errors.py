"""The exceptions the client raises: every failure the server reports, and every failure to
reach it, is one of these.

    VeogateError                 status, code, param, message
    ├── BadRequest               400 (and 413, 422): a field broke a rule; `param` names it
    ├── Unauthorized             401: no key, or a revoked or unknown one
    ├── InsufficientCredits      402: the key's balance does not cover the job
    ├── Forbidden                403
    ├── NotFound                 404: no such job (or another key's)
    ├── Conflict                 409: an Idempotency-Key reused with another body
    ├── RateLimited              429: `retry_after` seconds when the server said
    ├── ServerError              5xx
    ├── ConnectionFailed         the server could not be reached (status 0)
    └── WaitTimedOut             `wait` gave up before the job ended (status 0)
"""

from __future__ import annotations

from typing import Any


class VeogateError(Exception):
    """A failure: `status` is the HTTP status (0 when there was no answer), `code` the
    server's error code, `param` the field at fault when there is one."""

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: str = "error",
        param: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.param = param
        self.retry_after = retry_after

    def __str__(self) -> str:
        return f"{self.param}: {self.message}" if self.param else self.message


class BadRequest(VeogateError):
    pass


class Unauthorized(VeogateError):
    pass


class InsufficientCredits(VeogateError):
    pass


class Forbidden(VeogateError):
    pass


class NotFound(VeogateError):
    pass


class Conflict(VeogateError):
    pass


class RateLimited(VeogateError):
    pass


class ServerError(VeogateError):
    pass


class ConnectionFailed(VeogateError):
    pass


class WaitTimedOut(VeogateError):
    pass


_BY_STATUS: dict[int, type[VeogateError]] = {
    400: BadRequest,
    401: Unauthorized,
    402: InsufficientCredits,
    403: Forbidden,
    404: NotFound,
    409: Conflict,
    413: BadRequest,
    422: BadRequest,
    429: RateLimited,
}


def error_from_answer(status: int, body: Any, retry_after: str | None) -> VeogateError:
    """The exception for an error answer, from any dialect's error shape:
    `{"error": {"message", "code", "param"}}` or `{"error": "<message>", "code", "param"}`."""
    detail = body.get("error") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        fields: dict[str, Any] = detail
    elif isinstance(body, dict):
        fields = {**body, "message": detail}
    else:
        fields = {}
    message = fields.get("message")
    code, param = fields.get("code"), fields.get("param")
    kind = _BY_STATUS.get(status, ServerError if status >= 500 else VeogateError)
    return kind(
        message if isinstance(message, str) and message else f"HTTP {status}",
        status=status,
        code=code if isinstance(code, str) else f"http_{status}",
        param=param if isinstance(param, str) else None,
        retry_after=_seconds(retry_after),
    )


def _seconds(value: str | None) -> float | None:
    try:
        return None if value is None else float(value)
    except ValueError:
        return None  # an HTTP date: rare enough to leave to the caller
