"""Read-only figures over finished jobs: usage totals and typical run times."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobRow
from veogate.jobs.model import JobStatus

_JOBS = cast(Table, JobRow.__table__)


class UsageGroup(enum.StrEnum):
    """What usage can be totalled by."""

    DAY = "day"
    """The UTC day the job finished (`YYYY-MM-DD`)."""
    KEY = "key"
    """The API key that created the job."""
    MODEL = "model"
    """The public model name asked for."""
    RESOLUTION = "resolution"
    PROVIDER = "provider"
    """The credential that ran it (`preview`, `google-gemini-0`, ...)."""


@dataclass(frozen=True)
class UsageTotals:
    groups: dict[UsageGroup, str]
    jobs: int
    seconds: float
    cost: float


def _text(value: object) -> str:
    return "" if value is None else str(value)


class JobStatsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def usage(
        self, groups: Sequence[UsageGroup], *, since: datetime, until: datetime | None = None
    ) -> list[UsageTotals]:
        """Jobs, billable seconds and credits charged, of the jobs that finished with
        billable seconds in [since, until), per combination of `groups` (in that order),
        sorted by them."""
        columns = [self._group_column(group).label(group.value) for group in groups]
        query = select(
            *columns,
            func.count().label("jobs"),
            func.coalesce(func.sum(JobRow.billable_seconds), 0.0).label("seconds"),
            func.coalesce(func.sum(JobRow.cost), 0.0).label("cost"),
        ).where(JobRow.billable_seconds.is_not(None), JobRow.finished_at >= since)
        if until is not None:
            query = query.where(JobRow.finished_at < until)
        if columns:
            query = query.group_by(*columns).order_by(*columns)
        return [
            UsageTotals(
                groups={group: _text(row._mapping[group.value]) for group in groups},
                jobs=int(row.jobs),
                seconds=float(row.seconds),
                cost=float(row.cost),
            )
            for row in await self.session.execute(query)
            if row.jobs  # no groups and no jobs: the one row of an empty total
        ]

    def _group_column(self, group: UsageGroup) -> ColumnElement[Any]:
        if group is UsageGroup.DAY:
            # The UTC calendar day: SQLite keeps UTC text, PostgreSQL a timestamptz.
            if self.session.get_bind().dialect.name == "postgresql":
                return func.to_char(func.timezone("UTC", JobRow.finished_at), "YYYY-MM-DD")
            return func.substr(JobRow.finished_at, 1, 10)
        columns: dict[UsageGroup, ColumnElement[Any]] = {
            UsageGroup.KEY: _JOBS.c.owner_key_id,
            UsageGroup.MODEL: _JOBS.c.public_model,
            UsageGroup.RESOLUTION: _JOBS.c.spec["resolution"].as_string(),
            UsageGroup.PROVIDER: _JOBS.c.provider,
        }
        return columns[group]

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
