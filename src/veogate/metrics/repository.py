"""The figures `/metrics` reads from the database at each scrape: what is true now, for
every process at once. Each query is bounded by what is live (queued and running jobs,
operations in flight, pending deliveries, executors), never by the history of the tables,
so a scrape costs the same after a million jobs as after ten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import ExecutorRow, JobRow, UpstreamOperationRow, WebhookDeliveryRow
from veogate.delivery.repository import DeliveryState
from veogate.jobs.lifecycle import LIVE_VALUES
from veogate.jobs.model import JobStatus
from veogate.jobs.rows import as_utc


@dataclass(frozen=True)
class LiveJobs:
    status: str
    model: str
    provider: str
    count: int


@dataclass(frozen=True)
class Queue:
    undispatched: int
    """Accepted jobs not yet handed to the workflow engine (the inbox)."""
    oldest_queued_at: datetime | None
    """When the oldest job still queued was created."""


@dataclass(frozen=True)
class Executor:
    id: str
    last_seen: datetime


class MetricsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def live_jobs(self) -> list[LiveJobs]:
        """Queued and running jobs by status, model and provider."""
        rows = await self.session.execute(
            select(JobRow.status, JobRow.public_model, JobRow.provider, func.count())
            .where(JobRow.status.in_(LIVE_VALUES))
            .group_by(JobRow.status, JobRow.public_model, JobRow.provider)
        )
        return [LiveJobs(status, model, provider, int(n)) for status, model, provider, n in rows]

    async def queue(self) -> Queue:
        queued = JobRow.status == JobStatus.QUEUED.value
        inbox = await self.session.execute(
            select(func.count()).where(queued, JobRow.dispatched_at.is_(None))
        )
        oldest = await self.session.execute(select(func.min(JobRow.created_at)).where(queued))
        first = oldest.scalar_one()
        return Queue(int(inbox.scalar_one()), None if first is None else as_utc(first))

    async def operations_in_flight(self) -> dict[str, int]:
        """Upstream operations being waited on, by provider member (credential)."""
        rows = await self.session.execute(
            select(UpstreamOperationRow.provider, func.count()).group_by(
                UpstreamOperationRow.provider
            )
        )
        return {provider: int(n) for provider, n in rows}

    async def pending_webhooks(self) -> int:
        rows = await self.session.execute(
            select(func.count()).where(WebhookDeliveryRow.state == DeliveryState.PENDING.value)
        )
        return int(rows.scalar_one())

    async def running_executors(self) -> list[Executor]:
        """Workers that have not stopped nor been taken over, with their last heartbeat."""
        rows = await self.session.execute(
            select(ExecutorRow.id, ExecutorRow.last_seen).where(
                ExecutorRow.stopped_at.is_(None), ExecutorRow.reaped_at.is_(None)
            )
        )
        return [Executor(executor, as_utc(seen)) for executor, seen in rows]
