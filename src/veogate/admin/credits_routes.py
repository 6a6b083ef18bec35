"""`/admin/v1/keys/{id}/account|limits|top-up|adjust|ledger`: customers' credits
(`docs/relay.md`). Every change is a ledger entry made by `admin:<admin key id>`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.deps import Admin, admin_actor
from veogate.admin.routing import admin_router
from veogate.admin.schemas import AccountView, CreditRequest, LedgerEntryView, Page
from veogate.api.deps import ServicesDep, SessionDep
from veogate.db.transactions import transact
from veogate.errors import NotFound
from veogate.ledger import accounts
from veogate.ledger.money import to_micros
from veogate.ledger.repository import LedgerRepository
from veogate.ledger.service import credit

router = admin_router("credits")


async def _account(session: AsyncSession, key_id: str) -> AccountView:
    view: dict[str, Any] = await accounts.describe(
        LedgerRepository(session), key_id, datetime.now(UTC)
    )
    return AccountView.model_validate(view)


@router.get("/keys/{key_id}/account", response_model=AccountView)
async def get_account(key_id: str, session: SessionDep) -> AccountView:
    """Balance, limits, and what the key spent today and this month (UTC)."""
    return await _account(session, key_id)


@router.patch("/keys/{key_id}/limits", response_model=AccountView)
async def set_limits(
    key_id: str, body: accounts.LimitsUpdate, services: ServicesDep
) -> AccountView:
    """Change the fields given (`null` removes a limit); the account as it is then."""
    known = services.catalog.models

    async def change(session: AsyncSession) -> AccountView:
        await accounts.set_limits(LedgerRepository(session), key_id, body, known)
        return await _account(session, key_id)

    return await transact(services.sessions, change, what="admin: set limits")


async def _credit(
    services: ServicesDep, key_id: str, kind: str, body: CreditRequest, actor: str
) -> AccountView:
    async def change(session: AsyncSession) -> AccountView:
        amount = to_micros(body.amount)
        await credit(
            LedgerRepository(session),
            key_id,
            kind,
            amount,
            actor=actor,
            note=body.note,
            now=datetime.now(UTC),
        )
        return await _account(session, key_id)

    return await transact(services.sessions, change, what=f"admin: {kind}")


@router.post("/keys/{key_id}/top-up", response_model=AccountView)
async def top_up(
    key_id: str, body: CreditRequest, services: ServicesDep, caller: Admin
) -> AccountView:
    """Add credits (a positive amount)."""
    return await _credit(services, key_id, "top_up", body, admin_actor(caller))


@router.post("/keys/{key_id}/adjust", response_model=AccountView)
async def adjust(
    key_id: str, body: CreditRequest, services: ServicesDep, caller: Admin
) -> AccountView:
    """Correct a balance by a signed amount (not zero)."""
    return await _credit(services, key_id, "adjust", body, admin_actor(caller))


@router.get("/keys/{key_id}/ledger", response_model=Page[LedgerEntryView])
async def ledger_history(
    key_id: str,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[int | None, Query(ge=1)] = None,
) -> Page[LedgerEntryView]:
    """The key's entries, newest first; `cursor` is the `next_cursor` of the page before."""
    ledger = LedgerRepository(session)
    if await ledger.account(key_id) is None:
        raise NotFound(f"no API key {key_id!r}", param="id")
    entries = await ledger.history(key_id, limit=limit + 1, before=cursor)
    page = [LedgerEntryView.model_validate(accounts.entry_view(e)) for e in entries[:limit]]
    more = len(entries) > limit
    return Page(data=page, next_cursor=str(entries[limit - 1].id) if more else None)
