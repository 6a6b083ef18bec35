"""All SQL for admin keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import AdminKeyRow


class AdminKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: AdminKeyRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def by_hash(self, secret_hash: str) -> AdminKeyRow | None:
        result = await self.session.execute(
            select(AdminKeyRow).where(AdminKeyRow.secret_hash == secret_hash)
        )
        return result.scalar_one_or_none()

    async def all(self) -> list[AdminKeyRow]:
        result = await self.session.execute(
            select(AdminKeyRow).order_by(AdminKeyRow.created_at, AdminKeyRow.id)
        )
        return list(result.scalars())

    async def revoke(self, key_id: str, when: datetime) -> bool:
        result = await self.session.execute(
            update(AdminKeyRow)
            .where(AdminKeyRow.id == key_id, AdminKeyRow.revoked_at.is_(None))
            .values(revoked_at=when)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
