"""The admin caller dependency, required by every admin router (`admin_router`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from veogate.admin.console_auth import SESSION_COOKIE, cookie_session
from veogate.admin.credentials import AdminCaller, admin_caller_for, admin_secret
from veogate.admin.keys_repository import AdminKeyRepository
from veogate.admin.sessions import ConsoleSession
from veogate.db.transactions import scoped
from veogate.wiring import Services


async def _admin(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> AdminCaller:
    if authorization is None and SESSION_COOKIE in request.cookies:
        return (await cookie_session(request)).caller
    secret = admin_secret(authorization)
    services: Services = request.app.state.services
    async with scoped(services.sessions) as session:
        return await admin_caller_for(AdminKeyRepository(session), secret)


Admin = Annotated[AdminCaller, Depends(_admin)]
"""The admin key of the request, by `Authorization: Bearer` or by a console session's cookie
(with its CSRF token on writes): 401 without one (or revoked), 403 for a customer key or a
cross-site write."""


Console = Annotated[ConsoleSession, Depends(cookie_session)]
"""The console session of the request's cookie (CSRF-checked on writes), or 401/403."""


async def require_admin(caller: Admin) -> None:
    """Hung on every admin router, so that no admin route can be added without it."""


def admin_actor(caller: AdminCaller) -> str:
    """How the ledger records an admin key as the author of an entry."""
    return f"admin:{caller.key_id}"
