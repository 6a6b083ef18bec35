"""All SQL for worker heartbeats (the `executors` table)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import ExecutorRow


class ExecutorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def register(self, executor_id: str, hostname: str, now: datetime) -> None:
        """Start (or restart) beating: a returning worker is no longer considered dead."""
        row = await self.session.get(ExecutorRow, executor_id)
        if row is None:
            self.session.add(
                ExecutorRow(id=executor_id, hostname=hostname, started_at=now, last_seen=now)
            )
        else:
            row.hostname, row.started_at, row.last_seen = hostname, now, now
            row.stopped_at = row.reaped_by = row.reaped_at = None
        await self.session.flush()

    async def beat(self, executor_id: str, now: datetime) -> None:
        await self.session.execute(
            update(ExecutorRow).where(ExecutorRow.id == executor_id).values(last_seen=now)
        )

    async def stopped(self, executor_id: str, now: datetime) -> None:
        await self.session.execute(
            update(ExecutorRow)
            .where(ExecutorRow.id == executor_id)
            .values(stopped_at=now, last_seen=now)
        )

    async def silent_since(self, cutoff: datetime) -> list[str]:
        """Executors not seen since `cutoff` whose jobs nobody has taken over yet."""
        result = await self.session.execute(
            select(ExecutorRow.id).where(
                ExecutorRow.last_seen < cutoff, ExecutorRow.reaped_by.is_(None)
            )
        )
        return list(result.scalars())

    async def others_alive(self, executor_id: str, since: datetime) -> int:
        """How many other workers have beaten since `since` and not stopped."""
        result = await self.session.execute(
            select(func.count())
            .select_from(ExecutorRow)
            .where(
                ExecutorRow.id != executor_id,
                ExecutorRow.last_seen >= since,
                ExecutorRow.stopped_at.is_(None),
            )
        )
        return int(result.scalar_one())

    async def claim(self, dead_id: str, reaper_id: str, cutoff: datetime, now: datetime) -> bool:
        """Atomically become the one live worker that takes over `dead_id`'s jobs."""
        result = await self.session.execute(
            update(ExecutorRow)
            .where(
                ExecutorRow.id == dead_id,
                ExecutorRow.reaped_by.is_(None),
                ExecutorRow.last_seen < cutoff,
            )
            .values(reaped_by=reaper_id, reaped_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
