"""Read-only figures over finished jobs: usage totals and typical run times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobRow
from veogate.jobs.model import JobStatus


class JobStatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def usage_summary(self, since: datetime) -> list[tuple[str, str, str, int, float, float]]:
        """(model, resolution, provider, jobs, seconds, USD) of jobs that finished since."""
        resolution = JobRow.spec["resolution"].as_string()
        result = await self.session.execute(
            select(
                JobRow.public_model,
                resolution,
                JobRow.provider,
                func.count(),
                func.coalesce(func.sum(JobRow.billable_seconds), 0.0),
                func.coalesce(func.sum(JobRow.cost), 0.0),
            )
            .where(JobRow.billable_seconds.is_not(None), JobRow.finished_at >= since)
            .group_by(JobRow.public_model, resolution, JobRow.provider)
            .order_by(JobRow.public_model, resolution, JobRow.provider)
        )
        return [(m, r, p, int(n), float(s), float(c)) for m, r, p, n, s, c in result]

    async def mean_run_seconds(self, public_model: str, limit: int = 50) -> float | None:
        """Mean wall time (created -> finished) of the model's recent successful jobs."""
        recent = (
            select(JobRow.created_at, JobRow.finished_at)
            .where(JobRow.public_model == public_model, JobRow.status == JobStatus.SUCCEEDED.value)
            .order_by(JobRow.finished_at.desc())
            .limit(limit)
        )
        rows = (await self.session.execute(recent)).all()
        spans = [(f - c).total_seconds() for c, f in rows if f is not None]
        return sum(spans) / len(spans) if spans else None
