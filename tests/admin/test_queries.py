"""The admin API's job listing and usage totals on SQLite and PostgreSQL: filters, the
cursor, and grouping by UTC day, key, model and resolution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.databases import (
    database_url_fixture,
    new_caller,
    output,
    reserve,
    sessions_fixture,
    submit_job,
)
from veogate.admin.jobs_repository import AdminJobRepository, JobFilter
from veogate.db.transactions import scoped, transact
from veogate.jobs.model import Job, JobStatus
from veogate.jobs.repository import JobRepository
from veogate.jobs.stats_repository import JobStatsRepository, UsageGroup

# Just before midnight UTC: a database that grouped by its local day would split these.
LATE = datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC)


database_url = database_url_fixture()


sessions = sessions_fixture()


async def _finish(
    sessions: async_sessionmaker[AsyncSession], job: Job, when: datetime, seconds: float
) -> None:
    async def finish(session: AsyncSession) -> None:
        await reserve(session, job, 500_000, seconds)  # 0.5 credits a second
        repo = JobRepository(session)
        assert await repo.start(job.id, when)
        assert await repo.record_success(job.id, [output(0, seconds)], when)

    await transact(sessions, finish, what="finish")


async def test_usage_by_day_key_model_resolution(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    alice, bob = await new_caller(sessions, "alice"), await new_caller(sessions, "bob")
    jobs = [await submit_job(sessions, c) for c in (alice, alice, bob)]
    await _finish(sessions, jobs[0], LATE, 8)
    await _finish(sessions, jobs[1], LATE, 4)
    await _finish(sessions, jobs[2], LATE + timedelta(minutes=1), 6)  # the next UTC day
    groups = [UsageGroup.DAY, UsageGroup.KEY, UsageGroup.MODEL, UsageGroup.RESOLUTION]
    async with scoped(sessions) as session:
        stats = JobStatsRepository(session)
        rows = await stats.usage(groups, since=LATE - timedelta(days=1))
        bounded = await stats.usage(
            [UsageGroup.KEY], since=LATE - timedelta(days=1), until=LATE + timedelta(seconds=1)
        )
        total = await stats.usage([], since=LATE - timedelta(days=1))
    got = [
        (r.groups[UsageGroup.DAY], r.groups[UsageGroup.KEY], r.jobs, r.seconds, r.cost)
        for r in rows
    ]
    expected = [
        ("2026-03-01", alice.key_id, 2, 12.0, 6.0),
        ("2026-03-02", bob.key_id, 1, 6.0, 3.0),
    ]
    assert sorted(got) == sorted(expected)
    assert {(r.groups[UsageGroup.MODEL], r.groups[UsageGroup.RESOLUTION]) for r in rows} == {
        ("veo3.1-fast", "720p")
    }
    assert [(r.groups[UsageGroup.KEY], r.jobs) for r in bounded] == [(alice.key_id, 2)]
    assert [(r.jobs, r.seconds) for r in total] == [(3, 18.0)]


async def test_jobs_filtered_and_paged(sessions: async_sessionmaker[AsyncSession]) -> None:
    alice, bob = await new_caller(sessions, "alice"), await new_caller(sessions, "bob")
    mine = [await submit_job(sessions, alice) for _ in range(3)]
    theirs = await submit_job(sessions, bob)
    await _finish(sessions, mine[0], datetime.now(UTC), 8)
    async with scoped(sessions) as session:
        repo = AdminJobRepository(session)
        first, more = await repo.page(JobFilter(key=alice.key_id), before_ref=None, limit=2)
        rest, after = await repo.page(
            JobFilter(key=alice.key_id), before_ref=first[-1].id[-26:].lower(), limit=2
        )
        queued, _ = await repo.page(
            JobFilter(status=JobStatus.QUEUED.value, providers=["preview"]),
            before_ref=None,
            limit=10,
        )
        late, _ = await repo.page(
            JobFilter(created_after=datetime.now(UTC) + timedelta(minutes=1)),
            before_ref=None,
            limit=10,
        )
        timeline = await repo.timeline(mine[0].id)
    assert more
    assert not after
    assert [j.id for j in first + rest] == [j.id for j in reversed(mine)]
    assert {j.id for j in queued} == {mine[1].id, mine[2].id, theirs.id}
    assert late == []
    assert [e.kind for e in timeline] == ["job.queued", "job.started", "job.succeeded"]
    assert all(e.delivered_to_clients for e in timeline)
