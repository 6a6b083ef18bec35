"""Listing an owner's jobs, newest (or oldest) first, a page at a time."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobRow
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository


class JobListRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, owner_key_id: str, *, after_ref: str | None, limit: int, ascending: bool
    ) -> tuple[list[Job], bool]:
        """Up to `limit` of the owner's jobs (deleted ones never), ordered by id (the ULID
        ref, so by creation time), after the job whose ref is `after_ref` if given. Returns
        them and whether more follow."""
        query = select(JobRow.id).where(
            JobRow.owner_key_id == owner_key_id, JobRow.deleted_at.is_(None)
        )
        if after_ref is not None:
            query = query.where(JobRow.ref > after_ref if ascending else JobRow.ref < after_ref)
        order = JobRow.ref.asc() if ascending else JobRow.ref.desc()
        ids = list((await self.session.execute(query.order_by(order).limit(limit + 1))).scalars())
        found = await JobRepository(self.session).get_many(ids[:limit])
        return [found[job_id] for job_id in ids[:limit] if job_id in found], len(ids) > limit
