"""All SQL for the upstream operations veogate waits on (the `upstream_operations` table).

One row per submitted operation whose job is still running. Pollers claim the rows that are
due by pushing `due_at` forward by a lease (an atomic `UPDATE ... RETURNING`, with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two workers never look at the same operation at
once), then write the next due time when they are done with it. A poller that dies simply
lets its lease run out: another one (or itself, restarted) picks the rows up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import UpstreamOperationRow
from veogate.jobs.repository import JobRepository

_T = cast(Table, UpstreamOperationRow.__table__)


@dataclass(frozen=True)
class Watched:
    """A claimed operation: what the poller needs to look at it and schedule the next look."""

    job_id: str
    provider: str
    operation: str
    submitted_at: float
    deadline_at: float
    interval_seconds: float
    expected_seconds: float
    polls: int
    errors: int


@dataclass(frozen=True)
class Next:
    """When to look at an operation again, and what the last look showed."""

    job_id: str
    due_at: float
    interval_seconds: float
    polls: int
    errors: int
    progress: int | None = None
    """The job's progress to record (0..95), when the look told something."""


class OperationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def watch(
        self,
        job_id: str,
        provider: str,
        operation: str,
        *,
        now: float,
        deadline_at: float,
        first_interval: float,
        expected_seconds: float,
    ) -> None:
        """Start waiting on `operation` (a no-op if it is already watched)."""
        values = {
            "job_id": job_id,
            "provider": provider,
            "operation": operation,
            "submitted_at": now,
            "deadline_at": deadline_at,
            "due_at": now + first_interval,
            "interval_seconds": first_interval,
            "expected_seconds": expected_seconds,
            "polls": 0,
            "errors": 0,
        }
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(UpstreamOperationRow).values(values).on_conflict_do_nothing()
        )

    async def claim_due(
        self, provider: str, now: float, limit: int, lease_until: float
    ) -> list[Watched]:
        """Up to `limit` of `provider`'s operations due by `now`, leased until `lease_until`."""
        due = (
            select(_T.c.job_id)
            .where(_T.c.provider == provider, _T.c.due_at <= now)
            .order_by(_T.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claimed = await self.session.execute(
            update(_T)
            .where(_T.c.job_id.in_(due.scalar_subquery()))
            .values(due_at=lease_until)
            .returning(
                _T.c.job_id,
                _T.c.provider,
                _T.c.operation,
                _T.c.submitted_at,
                _T.c.deadline_at,
                _T.c.interval_seconds,
                _T.c.expected_seconds,
                _T.c.polls,
                _T.c.errors,
            )
        )
        return [Watched(*row) for row in claimed]

    async def reschedule(self, updates: Sequence[Next]) -> None:
        """Write the next look of each operation (and the job's progress) in one go."""
        if not updates:
            return
        connection = await self.session.connection()
        await connection.execute(
            update(_T)
            .where(_T.c.job_id == bindparam("key"))
            .values(
                due_at=bindparam("due"),
                interval_seconds=bindparam("interval"),
                polls=bindparam("looks"),
                errors=bindparam("failures"),
            ),
            [
                {
                    "key": u.job_id,
                    "due": u.due_at,
                    "interval": u.interval_seconds,
                    "looks": u.polls,
                    "failures": u.errors,
                }
                for u in updates
            ],
        )
        progressed = {u.job_id: u.progress for u in updates if u.progress}
        await JobRepository(self.session).set_progress_many(progressed, datetime.now(UTC))

    async def hold(self, job_id: str, until: float) -> None:
        """Extend the lease on one operation (while its videos are downloaded)."""
        await self.session.execute(update(_T).where(_T.c.job_id == job_id).values(due_at=until))

    async def forget(self, job_id: str) -> None:
        """Stop waiting on the job's operation (its job ended)."""
        await self.session.execute(_T.delete().where(_T.c.job_id == job_id))

    async def count(self, provider: str) -> int:
        result = await self.session.execute(
            select(func.count()).select_from(_T).where(_T.c.provider == provider)
        )
        return int(result.scalar_one())

    async def stranded(self, known: Sequence[str], before: float) -> list[tuple[str, str]]:
        """(job id, provider) of operations of providers not in `known`, due before `before`:
        nobody here can look at them."""
        result = await self.session.execute(
            select(_T.c.job_id, _T.c.provider).where(
                _T.c.provider.not_in(known), _T.c.due_at < before
            )
        )
        return [(job_id, provider) for job_id, provider in result]
