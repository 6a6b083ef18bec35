"""One error tree for the whole service.

Every error veogate raises on purpose is a `VeogateError`. Each knows its HTTP status,
a stable machine-readable `code`, the request field it is about (`param`) and whether
retrying the same thing later may succeed. Dialects render these into their own error
shapes; nothing else decides how an error looks on the wire.

    VeogateError
    ├── RequestError                 4xx: the caller can fix it
    │   ├── InvalidRequest           400 invalid_parameter / missing_parameter / ...
    │   ├── Unauthorized             401 unauthorized
    │   ├── InsufficientQuota        402 insufficient_quota: the key's balance or a spend
    │   │                                limit cannot cover the job (`veogate.ledger`)
    │   ├── Forbidden                403 forbidden (an invalid or expired download link,
    │   │                                model_not_allowed for the key)
    │   ├── NotFound                 404 not_found
    │   ├── IdempotencyConflict      409 idempotency_conflict
    │   ├── PayloadTooLarge          413 payload_too_large
    │   └── RateLimited              429 rate_limited / quota_exceeded
    ├── ServiceUnavailable           503 service_unavailable: our own database is busy or
    │                                    unreachable; retry after `retry_after` seconds
    └── GenerationError              a job failed while running (recorded on the job)
        ├── InputError               an input (image...) could not be used; names the field
        └── ProviderError            the provider failed; `retryable` says if it may pass
"""

from __future__ import annotations


class VeogateError(Exception):
    status_code: int = 500
    code: str = "internal_error"
    retryable: bool = False
    retry_after: int | None = None
    """Seconds to wait before trying again (sent as Retry-After), when it is known."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.param = param
        if retryable is not None:
            self.retryable = retryable


class RequestError(VeogateError):
    status_code = 400


class InvalidRequest(RequestError):
    status_code = 400
    code = "invalid_parameter"


class Unauthorized(RequestError):
    status_code = 401
    code = "unauthorized"


class InsufficientQuota(RequestError):
    status_code = 402
    code = "insufficient_quota"


class Forbidden(RequestError):
    status_code = 403
    code = "forbidden"


class NotFound(RequestError):
    status_code = 404
    code = "not_found"


class MethodNotAllowed(RequestError):
    status_code = 405
    code = "method_not_allowed"


class IdempotencyConflict(RequestError):
    status_code = 409
    code = "idempotency_conflict"


class PayloadTooLarge(RequestError):
    status_code = 413
    code = "payload_too_large"


class RateLimited(RequestError):
    status_code = 429
    code = "rate_limited"
    retryable = True

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class ServiceUnavailable(VeogateError):
    status_code = 503
    code = "service_unavailable"
    retryable = True

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class GenerationError(VeogateError):
    code = "generation_failed"


class InputError(GenerationError):
    """An input could not be used: a 400-class failure recorded on the job."""

    status_code = 400
    code = "invalid_input"


class ProviderError(GenerationError):
    """The provider failed. Retrying is safe when `retryable`, after `retry_after_seconds`
    if given; `maybe_accepted` says the upstream may have acted on the request anyway (a
    timeout after sending it), so a paid submit must not be retried."""

    status_code = 502
    code = "provider_error"
    retry_after_seconds: float | None = None
    maybe_accepted: bool = False
