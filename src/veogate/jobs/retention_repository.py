"""The reads of the retention sweep (`pipeline/retention.py`): which ended jobs' files may
go, and which of their inputs no kept job still uses. Marking them expired is a write with
an event, and so `JobRepository.mark_files_expired`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobInputRow, JobOutputRow, JobRow
from veogate.jobs.lifecycle import LIVE_VALUES


class RetentionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def expirable(
        self, finished_before: datetime, limit: int = 500
    ) -> list[tuple[str, list[str]]]:
        """Ended jobs whose files are still kept, with their storage keys: those that ended
        before `finished_before`, and any deleted by its owner."""
        jobs = await self.session.execute(
            select(JobRow.id)
            .where(
                or_(JobRow.finished_at < finished_before, JobRow.deleted_at.is_not(None)),
                JobRow.files_expired_at.is_(None),
                JobRow.status.not_in(LIVE_VALUES),
            )
            .limit(limit)
        )
        ids = list(jobs.scalars())
        if not ids:
            return []
        keys = await self.session.execute(
            select(JobOutputRow.job_id, JobOutputRow.storage_key).where(
                JobOutputRow.job_id.in_(ids)
            )
        )
        by_job: dict[str, list[str]] = {job_id: [] for job_id in ids}
        for job_id, key in keys:
            by_job[job_id].append(key)
        return list(by_job.items())

    async def inputs_only_used_by(self, job_ids: Sequence[str]) -> list[str]:
        """Input keys of these jobs that no other job with kept files uses."""
        theirs = select(JobInputRow.storage_key).where(JobInputRow.job_id.in_(job_ids))
        still_used = (
            select(JobInputRow.storage_key)
            .join(JobRow, JobRow.id == JobInputRow.job_id)
            .where(JobRow.id.not_in(job_ids), JobRow.files_expired_at.is_(None))
        )
        result = await self.session.execute(theirs.except_(still_used))
        return list(result.scalars())
