"""Facts are counted once they are committed, and only once: `on_commit` callbacks run
after the commit, never for a unit rolled back or run again after a database hiccup; a
job's moves through `JobRepository` reach the counters that way (SQLite and PostgreSQL)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.databases import migrated_database, new_caller, sessions_for, submit_job
from veogate.db.transactions import on_commit, scoped, transact
from veogate.jobs.model import JobStatus
from veogate.jobs.repository import JobRepository


@pytest.fixture(params=["sqlite", "postgresql"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    with migrated_database(request.param, tmp_path / "observed.sqlite") as url:
        async with sessions_for(url) as made:
            yield made


async def test_callbacks_run_after_the_commit_of_the_attempt_that_commits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ran: list[str] = []
    attempts = 0

    async def work(session: AsyncSession) -> None:
        nonlocal attempts
        attempts += 1
        on_commit(session, lambda: ran.append(f"attempt {attempts}"))
        assert ran == [], "nothing runs before the commit"
        if attempts == 1:
            raise sqlite3.OperationalError("database is locked")  # transient: run again

    await transact(sessions, work, what="a unit run twice")
    assert attempts == 2
    assert ran == ["attempt 2"]


async def test_callbacks_of_a_unit_that_fails_or_is_not_committed_never_run(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    ran: list[str] = []

    async def broken(session: AsyncSession) -> None:
        on_commit(session, lambda: ran.append("broken"))
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        await transact(sessions, broken, what="a failing unit")
    async with scoped(sessions) as session:
        on_commit(session, lambda: ran.append("read only"))
    async with scoped(sessions) as session:  # a session of the same pool: nothing carried over
        await session.commit()
    assert ran == []


def _finished(status: str) -> float:
    labels = {"status": status, "model": "veo3.1-fast", "provider": "preview"}
    return REGISTRY.get_sample_value("veogate_jobs_finished_total", labels) or 0.0


def _waited() -> float:
    labels = {"provider": "preview"}
    return REGISTRY.get_sample_value("veogate_queue_wait_seconds_count", labels) or 0.0


async def test_a_job_move_is_counted_when_its_transaction_commits(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    job = await submit_job(sessions, await new_caller(sessions, "observed"))
    waited, succeeded = _waited(), _finished("succeeded")
    async with scoped(sessions) as session:
        assert await JobRepository(session).start(job.id, datetime.now(UTC))
        assert _waited() == waited, "not counted before the commit"
        await session.rollback()
    assert _waited() == waited, "a rolled-back start is never counted"

    await transact(
        sessions, lambda s: JobRepository(s).start(job.id, datetime.now(UTC)), what="start"
    )
    assert _waited() == waited + 1
    now = datetime.now(UTC)
    ended = await transact(
        sessions, lambda s: JobRepository(s).record_success(job.id, [], now), what="end"
    )
    assert ended
    again = await transact(
        sessions, lambda s: JobRepository(s).record_success(job.id, [], now), what="again"
    )
    assert not again, "a job ends once"
    assert _finished(JobStatus.SUCCEEDED.value) == succeeded + 1
