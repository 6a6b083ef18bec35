"""`/admin/v1/keys`: customers' API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.deps import Admin, admin_actor
from veogate.admin.keys import KeyAdmin
from veogate.admin.routing import admin_router
from veogate.admin.schemas import CreatedKeyView, CreateKeyRequest, KeyView, Page
from veogate.api.deps import ServicesDep, SessionDep
from veogate.db.transactions import transact

router = admin_router("keys")

Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("/keys", status_code=201, response_model=CreatedKeyView)
async def create_customer_key(
    body: CreateKeyRequest, services: ServicesDep, caller: Admin
) -> CreatedKeyView:
    """A new customer key; its secret is in this answer only. With `credits` it is metered
    and opens with that balance."""

    async def create(session: AsyncSession) -> CreatedKeyView:
        return await KeyAdmin(session).create(
            body.name, credits=body.credits, actor=admin_actor(caller)
        )

    return await transact(services.sessions, create, what="admin: create key")


@router.get("/keys", response_model=Page[KeyView])
async def list_customer_keys(
    session: SessionDep, limit: Limit = 100, cursor: Annotated[int, Query(ge=0)] = 0
) -> Page[KeyView]:
    """Keys in the order they were made; `cursor` is the offset `next_cursor` gave."""
    keys = await KeyAdmin(session).page(offset=cursor, limit=limit + 1)
    more = len(keys) > limit
    return Page(data=keys[:limit], next_cursor=str(cursor + limit) if more else None)


@router.get("/keys/{key_id}", response_model=KeyView)
async def get_customer_key(key_id: str, session: SessionDep) -> KeyView:
    return await KeyAdmin(session).get(key_id)


@router.post("/keys/{key_id}/revoke", response_model=KeyView)
async def revoke_customer_key(key_id: str, services: ServicesDep) -> KeyView:
    """Revoke at once in this process; other API processes stop accepting the key within
    `VEOGATE_AUTH_CACHE_SECONDS`."""

    async def revoke(session: AsyncSession) -> tuple[KeyView, str]:
        return await KeyAdmin(session).revoke(key_id)

    view, secret_hash = await transact(services.sessions, revoke, what="admin: revoke key")
    services.callers.forget(secret_hash)
    return view
