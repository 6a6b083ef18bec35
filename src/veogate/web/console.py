"""`/console`: the operators' console, on the admin API with a session cookie.

`GET /console` is the sign-in page without a live session, the console itself (with the
session's CSRF token in a `<meta>`) with one. `POST /console/session` signs in with an admin
key (only from a page of this server: its `Origin` is checked); `DELETE /console/session`
signs out. Errors have the admin API's shape.
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.console_auth import (
    SESSION_COOKIE,
    cleared_cookie,
    lifetime,
    require_same_origin,
    session_cookie,
    session_of,
)
from veogate.admin.deps import Console
from veogate.admin.routing import AdminRoute
from veogate.admin.schemas import SignInRequest
from veogate.admin.sessions import ConsoleSessions, SignedIn
from veogate.api.deps import ServicesDep
from veogate.db.transactions import transact
from veogate.web.pages import page_response

router = APIRouter(include_in_schema=False, route_class=AdminRoute)


@router.get("/console")
async def console(request: Request, services: ServicesDep) -> Response:
    found = await session_of(request)
    if found is None:
        page = page_response("console/signin.html")
        if SESSION_COOKIE in request.cookies:
            page.headers["Set-Cookie"] = cleared_cookie(request)
        return page
    return page_response(
        "console/index.html",
        {"csrf": found.csrf_token, "admin_name": found.caller.name},
        store=services.store,
    )


@router.post("/console/session", status_code=204)
async def sign_in(body: SignInRequest, request: Request, services: ServicesDep) -> Response:
    """A session for the admin key in the body, in a cookie: 403 from another origin or for
    a customer key, 401 for an unknown or revoked admin key."""
    require_same_origin(request)
    now = datetime.now(UTC)

    async def start(session: AsyncSession) -> SignedIn:
        return await ConsoleSessions(session, lifetime(services.settings)).sign_in(body.key, now)

    signed_in = await transact(services.sessions, start, what="console: sign in")
    return Response(
        status_code=204, headers={"Set-Cookie": session_cookie(request, signed_in.token)}
    )


@router.delete("/console/session", status_code=204)
async def sign_out(current: Console, request: Request, services: ServicesDep) -> Response:
    """End this session and clear its cookie (CSRF-checked like every write)."""

    async def end(session: AsyncSession) -> None:
        await ConsoleSessions(session, lifetime(services.settings)).end(current.id)

    await transact(services.sessions, end, what="console: sign out")
    return Response(status_code=204, headers={"Set-Cookie": cleared_cookie(request)})
