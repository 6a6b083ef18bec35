"""The jobs' way into the workflow engine: the inbox of accepted jobs, and the live jobs that
should have a workflow (for reconciliation). SQL over the jobs table, for `pipeline/`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobRow, UpstreamOperationRow
from veogate.jobs.lifecycle import LIVE_VALUES
from veogate.jobs.model import JobStatus

_LIVE = LIVE_VALUES


class InboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def inbox(self, limit: int) -> list[tuple[str, str]]:
        """(job id, provider) of accepted jobs not yet handed to the workflow engine, oldest
        first; on PostgreSQL locked for this transaction (others skip them)."""
        result = await self.session.execute(
            select(JobRow.id, JobRow.provider)
            .where(JobRow.status == JobStatus.QUEUED.value, JobRow.dispatched_at.is_(None))
            .order_by(JobRow.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return list(result.all())

    async def mark_dispatched(self, job_ids: Sequence[str], now: datetime) -> None:
        await self.session.execute(
            update(JobRow).where(JobRow.id.in_(job_ids)).values(dispatched_at=now)
        )

    async def unwatched_live(self, dispatched_before: datetime) -> list[tuple[str, str]]:
        """(job id, provider) of live jobs handed to the workflow engine before
        `dispatched_before` that are not waiting on an upstream operation: each should have a
        live workflow. (Jobs waiting upstream are the poller's; they need none.)"""
        watched = select(UpstreamOperationRow.job_id)
        result = await self.session.execute(
            select(JobRow.id, JobRow.provider)
            .where(
                JobRow.status.in_(_LIVE),
                JobRow.dispatched_at < dispatched_before,
                JobRow.id.not_in(watched),
            )
            .order_by(JobRow.created_at)
        )
        return list(result.all())

    async def still_unwatched_live(self, job_ids: Sequence[str]) -> set[str]:
        """Those of `job_ids` that are (still) live and not waiting on an upstream operation."""
        watched = select(UpstreamOperationRow.job_id)
        result = await self.session.execute(
            select(JobRow.id).where(
                JobRow.id.in_(job_ids), JobRow.status.in_(_LIVE), JobRow.id.not_in(watched)
            )
        )
        return set(result.scalars())
