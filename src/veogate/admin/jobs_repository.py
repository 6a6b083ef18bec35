"""SQL for the admin API's view of jobs: every key's jobs, filtered, and their timelines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobEventRow, JobRow
from veogate.jobs.model import Job
from veogate.jobs.rows import as_utc, to_job

_JOBS = cast(Table, JobRow.__table__)
_EVENTS = cast(Table, JobEventRow.__table__)


@dataclass(frozen=True)
class JobFilter:
    """Every field given must match; `providers` is any of those names."""

    key: str | None = None
    status: str | None = None
    model: str | None = None
    providers: Sequence[str] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    kind: str
    at: datetime
    detail: dict[str, Any]
    delivered_to_clients: bool


class AdminJobRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def page(
        self, where: JobFilter, *, before_ref: str | None, limit: int
    ) -> tuple[list[Job], bool]:
        """Up to `limit` matching jobs (deleted ones too), newest first, older than the job
        whose ref is `before_ref`; and whether more follow."""
        query = select(*_JOBS.c)
        conditions = {
            _JOBS.c.owner_key_id: where.key,
            _JOBS.c.status: where.status,
            _JOBS.c.public_model: where.model,
        }
        for column, value in conditions.items():
            if value is not None:
                query = query.where(column == value)
        if where.providers is not None:
            query = query.where(_JOBS.c.provider.in_(where.providers))
        if where.created_after is not None:
            query = query.where(_JOBS.c.created_at >= where.created_after)
        if where.created_before is not None:
            query = query.where(_JOBS.c.created_at < where.created_before)
        if before_ref is not None:
            query = query.where(_JOBS.c.ref < before_ref)
        ordered = query.order_by(_JOBS.c.ref.desc()).limit(limit + 1)
        found = list(await self.session.execute(ordered))
        return [to_job(row, []) for row in found[:limit]], len(found) > limit

    async def timeline(self, job_id: str) -> list[TimelineEntry]:
        """Every event and step note of the job, in the order they were written."""
        found = await self.session.execute(
            select(*_EVENTS.c).where(_EVENTS.c.job_id == job_id).order_by(_EVENTS.c.id)
        )
        return [
            TimelineEntry(
                seq=row.id,
                kind=row.kind,
                at=as_utc(row.at),
                detail=dict(row.detail or {}),
                delivered_to_clients=row.owner_key_id is not None,
            )
            for row in found
        ]
