"""All SQL for API keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import ApiKeyRow


class ApiKeyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: ApiKeyRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def by_hash(self, secret_hash: str) -> ApiKeyRow | None:
        result = await self.session.execute(
            select(ApiKeyRow).where(ApiKeyRow.secret_hash == secret_hash)
        )
        return result.scalar_one_or_none()

    async def get(self, key_id: str) -> ApiKeyRow | None:
        return await self.session.get(ApiKeyRow, key_id)

    async def page(self, *, offset: int, limit: int) -> list[ApiKeyRow]:
        """Keys in the order they were made, `limit` of them from `offset`."""
        result = await self.session.execute(
            select(ApiKeyRow)
            .order_by(ApiKeyRow.created_at, ApiKeyRow.id)
            .offset(offset)
            .limit(limit)
        )
        return list(result.scalars())

    async def all(self) -> list[ApiKeyRow]:
        result = await self.session.execute(select(ApiKeyRow).order_by(ApiKeyRow.created_at))
        return list(result.scalars())

    async def count_active(self) -> int:
        result = await self.session.execute(
            select(func.count()).select_from(ApiKeyRow).where(ApiKeyRow.revoked_at.is_(None))
        )
        return int(result.scalar_one())

    async def revoke(self, key_id: str, when: datetime) -> bool:
        result = await self.session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key_id, ApiKeyRow.revoked_at.is_(None))
            .values(revoked_at=when)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
