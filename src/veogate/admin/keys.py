"""Customers' API keys as operators manage them: create (secret shown once), list, revoke.

Knows no HTTP and never commits. Balances and limits are the ledger's (`credits_routes.py`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.schemas import CreatedKeyView, KeyLimitsView, KeyView
from veogate.auth.keys import create_key
from veogate.auth.repository import ApiKeyRepository
from veogate.db.tables import ApiKeyRow
from veogate.errors import NotFound
from veogate.ledger.accounts import account_view
from veogate.ledger.money import to_micros
from veogate.ledger.repository import LedgerRepository


def key_view(row: ApiKeyRow) -> KeyView:
    account = account_view(LedgerRepository.account_of(row))
    return KeyView(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        state="revoked" if row.revoked_at is not None else "active",
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        metered=account["metered"],
        balance=account["balance"],
        limits=KeyLimitsView(**account["limits"]),
    )


class KeyAdmin:
    def __init__(self, session: AsyncSession) -> None:
        self.keys = ApiKeyRepository(session)

    async def create(
        self, name: str, *, credits: Decimal | None = None, actor: str = "system"
    ) -> CreatedKeyView:
        opening = None if credits is None else to_micros(credits)
        created = await create_key(self.keys, name, credits=opening, actor=actor)
        return CreatedKeyView(key=key_view(await self._row(created.id)), secret=created.secret)

    async def page(self, *, offset: int, limit: int) -> list[KeyView]:
        return [key_view(row) for row in await self.keys.page(offset=offset, limit=limit)]

    async def get(self, key_id: str) -> KeyView:
        return key_view(await self._row(key_id))

    async def revoke(self, key_id: str) -> tuple[KeyView, str]:
        """Revoke (again is harmless); returns the key and its secret's hash, which the
        caller drops from this process's cache of recent callers."""
        row = await self._row(key_id)
        await self.keys.revoke(key_id, datetime.now(UTC))
        await self.keys.session.refresh(row)
        return key_view(row), row.secret_hash

    async def _row(self, key_id: str) -> ApiKeyRow:
        row = await self.keys.get(key_id)
        if row is None:
            raise NotFound(f"no API key {key_id!r}", param="id")
        return row
