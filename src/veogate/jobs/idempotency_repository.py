"""The Idempotency-Keys a key's creates were sent with, and the job each one made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import IdempotencyKeyRow


class IdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, owner_key_id: str, key: str) -> IdempotencyKeyRow | None:
        return await self.session.get(
            IdempotencyKeyRow, (owner_key_id, key), populate_existing=True
        )

    async def add(self, row: IdempotencyKeyRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def drop(self, owner_key_id: str, key: str, *, before: datetime) -> None:
        """Forget the key if it was recorded before `before` (it has expired)."""
        await self.session.execute(
            delete(IdempotencyKeyRow).where(
                IdempotencyKeyRow.owner_key_id == owner_key_id,
                IdempotencyKeyRow.key == key,
                IdempotencyKeyRow.created_at < before,
            )
        )
