"""`/admin/v1/console-sessions`: the signed-in consoles, and ending one."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.console_auth import lifetime, session_of
from veogate.admin.routing import admin_router
from veogate.admin.schemas import ConsoleSessionView, Page
from veogate.admin.sessions import ConsoleSessions
from veogate.api.deps import ServicesDep
from veogate.db.transactions import transact

router = admin_router("console sessions")


@router.get("/console-sessions", response_model=Page[ConsoleSessionView])
async def list_console_sessions(
    request: Request, services: ServicesDep
) -> Page[ConsoleSessionView]:
    """Every console session in force (of admin keys not revoked), newest first."""
    own = await session_of(request)
    now = datetime.now(UTC)

    async def live(session: AsyncSession) -> list[ConsoleSessionView]:
        sessions = ConsoleSessions(session, lifetime(services.settings))
        return await sessions.live(now, None if own is None else own.id)

    return Page(data=await transact(services.sessions, live, what="admin: console sessions"))


@router.post("/console-sessions/{session_id}/revoke", status_code=204)
async def revoke_console_session(session_id: str, services: ServicesDep) -> None:
    """End a console session now (its browser is signed out on its next request)."""

    async def end(session: AsyncSession) -> None:
        await ConsoleSessions(session, lifetime(services.settings)).end(session_id)

    await transact(services.sessions, end, what="admin: revoke console session")
