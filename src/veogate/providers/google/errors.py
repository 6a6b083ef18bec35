"""How Google's failures become veogate's: the SDK's, the network's and google-auth's.

Every failure is translated into an `UpstreamError` (a `ProviderError`):

    429, 408, 5xx, timeouts, connection errors   retryable=True (+ retry_after_seconds)
    other 4xx, malformed JSON, unexpected shapes retryable=False, with the upstream message
    credentials that cannot be loaded/refreshed  retryable=False (unless google-auth says
                                                 the token endpoint failure is transient)
    submit: read timeout, dropped connection,    also maybe_accepted=True: the operation may
            504                                  exist, so a paid submit is not blindly resent
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import aiohttp
import httpx
from google.auth import exceptions as auth_exceptions
from google.genai import errors as genai_errors

from veogate.errors import ProviderError, VeogateError


class UpstreamError(ProviderError):
    """A failure of the Google upstream, with what the pipeline needs to retry it well."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        retry_after_seconds: float | None = None,
        upstream_status: int | None = None,
        maybe_accepted: bool = False,
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.retry_after_seconds = retry_after_seconds
        self.upstream_status = upstream_status
        self.maybe_accepted = maybe_accepted


def _network_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """(transport errors, of which timeouts) for the SDK's transports (aiohttp when installed,
    else httpx2 or httpx) and google-auth's own."""
    transport: list[type[Exception]] = [
        httpx.TransportError,
        auth_exceptions.TransportError,
        aiohttp.ClientError,
        TimeoutError,  # aiohttp's timeouts raise asyncio.TimeoutError (an alias of it)
    ]
    timeouts: list[type[Exception]] = [httpx.TimeoutException, TimeoutError]
    try:
        import httpx2
    except ImportError:  # pragma: no cover - depends on how the SDK was installed
        pass
    else:
        transport.append(httpx2.TransportError)
        timeouts.append(httpx2.TimeoutException)
    return tuple(transport), tuple(timeouts)


_TRANSPORT_ERRORS, _TIMEOUT_ERRORS = _network_errors()
_NOTHING_SENT = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
"""aiohttp failures that happen before a request is written."""


def _nothing_sent(error: Exception) -> bool:
    """True when the request cannot have reached the upstream (no connection was made)."""
    if isinstance(error, _NOTHING_SENT):
        return True
    return type(error).__name__.startswith(("Connect", "Pool"))  # httpx, httpx2


_RETRY_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def _retry_after(exc: genai_errors.APIError) -> float | None:
    """Seconds from the Retry-After header, else from a google.rpc.RetryInfo detail."""
    headers = getattr(getattr(exc, "response", None), "headers", None)
    value = headers.get("retry-after") if headers is not None else None
    if isinstance(value, str) and value.strip():
        try:
            return max(0.0, float(value))
        except ValueError:
            with contextlib.suppress(TypeError, ValueError, IndexError):
                when = parsedate_to_datetime(value)
                return max(0.0, (when - datetime.now(UTC)).total_seconds())
    error = exc.details.get("error", exc.details) if isinstance(exc.details, dict) else {}
    for detail in error.get("details", ()) if isinstance(error, dict) else ():
        delay = detail.get("retryDelay") if isinstance(detail, dict) else None
        if isinstance(delay, str) and (match := _RETRY_DELAY.match(delay)):
            return float(match.group(1))
    return None


def translate_error(exc: Exception, doing: str, *, submit: bool = False) -> VeogateError | None:
    """The veogate error for a failure of the SDK or the network; None for anything else.

    For a `submit`, failures after the request may have reached Google (a read timeout, a
    dropped connection, a 504) are `maybe_accepted`: the operation may exist and be billed.
    """
    if isinstance(exc, VeogateError):
        return exc
    if isinstance(exc, genai_errors.APIError):
        code = exc.code
        retryable = code in (408, 429) or code >= 500
        detail = f"HTTP {code}" + (f" {exc.status}" if exc.status else "")
        message = exc.message or str(exc.details)[:500]
        return UpstreamError(
            f"{doing} failed: {detail}: {message}",
            retryable=retryable,
            retry_after_seconds=_retry_after(exc) if retryable else None,
            upstream_status=code,
            maybe_accepted=submit and code == 504,
        )
    if isinstance(exc, _TRANSPORT_ERRORS):
        kind = type(exc).__name__
        connecting = _nothing_sent(exc)
        if connecting:
            what = "could not connect"
        elif isinstance(exc, _TIMEOUT_ERRORS):
            what = "timed out"
        else:
            what = "failed on the network"
        return UpstreamError(
            f"{doing} {what}: {kind}: {exc}",
            retryable=True,
            maybe_accepted=submit and not connecting,
        )
    if isinstance(exc, auth_exceptions.GoogleAuthError):
        # RefreshError knows whether the token endpoint's failure was transient.
        retryable = bool(getattr(exc, "retryable", False))
        return UpstreamError(f"{doing}: credentials unusable: {exc}", retryable=retryable)
    if isinstance(exc, json.JSONDecodeError | genai_errors.UnknownApiResponseError):
        return UpstreamError(f"{doing}: the upstream answered malformed JSON", retryable=False)
    if isinstance(exc, ValueError | TypeError | KeyError):
        return UpstreamError(
            f"{doing}: the SDK refused the request or could not read the answer: {exc}",
            retryable=False,
        )
    return None


@contextlib.contextmanager
def translated(doing: str, *, submit: bool = False) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        translated = translate_error(exc, doing, submit=submit)
        if translated is None or translated is exc:
            raise
        raise translated from exc
