"""The console's session cookie on HTTP: how it is set and cleared, how a request's session
is found, and the checks that keep another site from acting through it.

A request authenticated by the cookie alone is ambient (the browser attaches it), so a
state-changing one must also carry the session's CSRF token in `X-CSRF-Token`, and an
`Origin` (or `Referer`) of this server when it has one. Signing in must come with an
`Origin` of this server (login CSRF). A request with `Authorization: Bearer` is not ambient
and needs neither.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.sessions import ConsoleSession, ConsoleSessions, SessionLifetime
from veogate.config import Settings
from veogate.db.transactions import transact
from veogate.errors import Forbidden, Unauthorized
from veogate.wiring import Services

SESSION_COOKIE = "veogate_console"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def lifetime(settings: Settings) -> SessionLifetime:
    return SessionLifetime(
        idle=timedelta(seconds=settings.console_idle_seconds),
        longest=timedelta(seconds=settings.console_max_seconds),
    )


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def session_of(request: Request) -> ConsoleSession | None:
    """The live session the request's cookie names, or None (no cookie, or one that no
    longer works)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    services = _services(request)
    now = datetime.now(UTC)

    async def find(session: AsyncSession) -> ConsoleSession | None:
        return await ConsoleSessions(session, lifetime(services.settings)).find(token, now)

    return await transact(services.sessions, find, what="console: find session")


async def cookie_session(request: Request) -> ConsoleSession:
    """The request's console session, checked for CSRF when the request changes state: 401
    without a live session, 403 for a foreign origin or a missing or wrong CSRF token."""
    found = await session_of(request)
    if found is None:
        raise Unauthorized(
            "no console session: sign in at /console, or send 'Authorization: Bearer <admin key>'"
        )
    if request.method not in SAFE_METHODS:
        if same_origin(request) is False:
            raise Forbidden("cross-site request refused: the Origin is not this server's")
        given = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(given.encode(), found.csrf_token.encode()):
            raise Forbidden(f"missing or wrong {CSRF_HEADER} header for this console session")
    return found


def require_same_origin(request: Request) -> None:
    """Sign-in's check: an `Origin` (or `Referer`) of this server must be there (403)."""
    if same_origin(request) is not True:
        raise Forbidden("sign-in needs an Origin header of this server")


def same_origin(request: Request) -> bool | None:
    """Whether the request's `Origin` (else `Referer`) is this server's: the host it was
    sent to, or `VEOGATE_PUBLIC_URL`'s; None when it has neither header."""
    given = request.headers.get("origin") or _origin(request.headers.get("referer"))
    if given is None:
        return None
    ours = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
    public = _origin(_services(request).settings.public_url)
    if public is not None:
        ours.add(public)
    return given.lower() in {origin.lower() for origin in ours}


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def session_cookie(request: Request, token: str) -> str:
    """The `Set-Cookie` value of a new session: `HttpOnly; SameSite=Strict; Path=/`, lasting
    as long as a session can, and `Secure` when this server is reached over https."""
    max_age = int(_services(request).settings.console_max_seconds)
    return _cookie(request, token, max_age)


def cleared_cookie(request: Request) -> str:
    """The `Set-Cookie` value that makes the browser forget the session's cookie."""
    return _cookie(request, "", 0)


def _cookie(request: Request, value: str, max_age: int) -> str:
    parts = [f"{SESSION_COOKIE}={value}", "HttpOnly", "SameSite=Strict", "Path=/"]
    parts.append(f"Max-Age={max_age}")
    public = _services(request).settings.public_url or ""
    if request.url.scheme == "https" or public.startswith("https://"):
        parts.append("Secure")
    return "; ".join(parts)
