"""All SQL for console sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import AdminKeyRow, ConsoleSessionRow


class ConsoleSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: ConsoleSessionRow) -> None:
        self.session.add(row)
        await self.session.flush()

    async def by_token_hash(self, token_hash: str) -> tuple[ConsoleSessionRow, AdminKeyRow] | None:
        """The session and its admin key (revoked or not: the caller decides)."""
        result = await self.session.execute(
            select(ConsoleSessionRow, AdminKeyRow)
            .join(AdminKeyRow, AdminKeyRow.id == ConsoleSessionRow.admin_key_id)
            .where(ConsoleSessionRow.token_hash == token_hash)
        )
        found = result.one_or_none()
        return None if found is None else (found[0], found[1])

    async def all_live(self) -> list[tuple[ConsoleSessionRow, AdminKeyRow]]:
        """Every session whose admin key is not revoked, newest first."""
        result = await self.session.execute(
            select(ConsoleSessionRow, AdminKeyRow)
            .join(AdminKeyRow, AdminKeyRow.id == ConsoleSessionRow.admin_key_id)
            .where(AdminKeyRow.revoked_at.is_(None))
            .order_by(ConsoleSessionRow.created_at.desc(), ConsoleSessionRow.id.desc())
        )
        return [(row, key) for row, key in result.tuples()]

    async def touch(self, session_id: str, when: datetime) -> None:
        await self.session.execute(
            update(ConsoleSessionRow)
            .where(ConsoleSessionRow.id == session_id)
            .values(last_seen_at=when)
        )

    async def remove(self, session_id: str) -> bool:
        result = await self.session.execute(
            delete(ConsoleSessionRow).where(ConsoleSessionRow.id == session_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def remove_expired(self, idle_before: datetime, created_before: datetime) -> None:
        """Sessions idle since before `idle_before` or made before `created_before`."""
        await self.session.execute(
            delete(ConsoleSessionRow).where(
                or_(
                    ConsoleSessionRow.last_seen_at < idle_before,
                    ConsoleSessionRow.created_at < created_before,
                )
            )
        )
