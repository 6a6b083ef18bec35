"""SQL for the providers' health: operations in flight and recent outcomes per credential."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobRow, UpstreamOperationRow
from veogate.jobs.model import JobStatus


@dataclass(frozen=True)
class Outcomes:
    finished: int = 0
    failed: int = 0
    provider_failures: int = 0


class ProviderHealthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def in_flight(self) -> dict[str, int]:
        """Upstream operations being waited on, per credential (every process's)."""
        found = await self.session.execute(
            select(UpstreamOperationRow.provider, func.count()).group_by(
                UpstreamOperationRow.provider
            )
        )
        return {provider: int(count) for provider, count in found}

    async def outcomes_since(
        self, since: datetime, provider_codes: Sequence[str]
    ) -> dict[str, Outcomes]:
        """Per credential: jobs that ended since, those that failed, and those that failed
        with one of `provider_codes` (the upstream's fault rather than the request's)."""
        failed = JobRow.status == JobStatus.FAILED.value
        found = await self.session.execute(
            select(
                JobRow.provider,
                func.count(),
                func.sum(case((failed, 1), else_=0)),
                func.sum(case((failed & JobRow.error_code.in_(provider_codes), 1), else_=0)),
            )
            .where(JobRow.finished_at >= since)
            .group_by(JobRow.provider)
        )
        return {
            provider: Outcomes(int(total), int(fails or 0), int(upstream or 0))
            for provider, total, fails, upstream in found
        }
