"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from veogate import __version__
from veogate.api.deps import ServicesDep
from veogate.db.transactions import scoped

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(services: ServicesDep) -> dict[str, Any]:
    async with scoped(services.sessions) as session:
        await session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "providers": services.providers.describe()}
