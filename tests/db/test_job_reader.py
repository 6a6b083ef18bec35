"""Status reads through the driver (`jobs/reader.py`) see exactly what the session path sees,
on SQLite and PostgreSQL, including writes committed after the reader connected."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.cluster import PG_ADMIN, sql
from tests.support.databases import (
    database_url_fixture,
    new_caller,
    output,
    reserve,
    sessions_fixture,
)
from veogate.auth.keys import Caller
from veogate.db.transactions import scoped, transact
from veogate.dialects.apimart.schemas import ID_FORM as APIMART_IDS
from veogate.errors import NotFound
from veogate.jobs.model import ImageInput, Job, JobSpec, JobStatus, Output
from veogate.jobs.reader import JobReader, create_reader
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission, read_job

database_url = database_url_fixture()


sessions = sessions_fixture()


@pytest.fixture
async def reader(database_url: str) -> AsyncIterator[JobReader]:
    jobs = create_reader(database_url, pool_size=2)
    yield jobs
    await jobs.close()


async def _submit(sessions: async_sessionmaker[AsyncSession], caller: Caller, spec: JobSpec) -> Job:
    submission = Submission(
        dialect="apimart",
        id_form=APIMART_IDS,
        spec=spec,
        idempotency_key=None,
        request_fingerprint="f" * 64,
        provider="preview",
        warnings=("resolution lowered",),
    )

    async def work(session: AsyncSession) -> Job:
        return (await JobService(JobRepository(session)).submit(caller, submission)).job

    return await transact(sessions, work, what="a job")


async def _as_stored(sessions: async_sessionmaker[AsyncSession], job_id: str) -> Job | None:
    async with scoped(sessions) as session:
        return await JobRepository(session).get(job_id)


SPEC = JobSpec(
    public_model="veo3.1-fast",
    canonical_model="veo-3.1-fast",
    prompt="a lighthouse at dusk, «in the rain»",
    seed=7,
    first_frame=ImageInput(source="data:,", field="image_urls[0]", stored_key="inputs/ab.png"),
)


def _output(index: int) -> Output:
    return output(index)


async def test_a_queued_job_reads_as_the_session_reads_it(
    sessions: async_sessionmaker[AsyncSession], reader: JobReader
) -> None:
    caller = await new_caller(sessions, "reads")
    submitted = await _submit(sessions, caller, SPEC)

    read = await reader.get(submitted.id)

    assert read is not None
    assert read == await _as_stored(sessions, submitted.id)
    # What `submit` returned without reading back is what was stored.
    assert read == submitted
    assert read.status is JobStatus.QUEUED
    assert read.created_at.tzinfo is not None
    assert read.spec.first_frame is not None
    assert read.spec.first_frame.stored_key == "inputs/ab.png"
    assert read.warnings == ["resolution lowered"]
    assert read.outputs == []


async def test_a_finished_job_reads_with_its_outputs_in_order(
    sessions: async_sessionmaker[AsyncSession], reader: JobReader
) -> None:
    caller = await new_caller(sessions, "reads")
    job = await _submit(sessions, caller, SPEC)
    assert await reader.get(job.id) is not None  # the reader is connected before the write

    finished = datetime(2026, 11, 21, 12, 30, 15, 123456, tzinfo=UTC)

    async def succeed(session: AsyncSession) -> bool:
        # A reservation of two 8 s samples at 0.15 a second: both delivered, both charged.
        await reserve(session, job, 150_000, 16.0)
        repo = JobRepository(session)
        await repo.start(job.id, finished)
        return await repo.record_success(job.id, [_output(1), _output(0)], finished)

    assert await transact(sessions, succeed, what="success")

    read = await reader.get(job.id)

    assert read is not None
    assert read == await _as_stored(sessions, job.id)
    assert read.status is JobStatus.SUCCEEDED
    assert [o.index for o in read.outputs] == [0, 1]
    assert read.outputs[0].has_audio is True
    assert read.outputs[1].has_audio is False
    assert read.finished_at == finished
    assert read.started_at == finished
    assert read.usage() == {"billable_seconds": 16.0, "cost": 2.4}


async def test_a_missing_or_foreign_job_is_not_found(
    sessions: async_sessionmaker[AsyncSession], reader: JobReader
) -> None:
    owner = await new_caller(sessions, "owner")
    stranger = await new_caller(sessions, "stranger")
    job = await _submit(sessions, owner, SPEC)

    assert await reader.get("task_01M806Y24T54B5CH52ZC1JRA9A") is None
    assert (await read_job(reader, owner, job.id)).id == job.id
    for caller, job_id in [(stranger, job.id), (owner, "task_01M806Y24T54B5CH52ZC1JRA9A")]:
        with pytest.raises(NotFound) as caught:
            await read_job(reader, caller, job_id)
        assert caught.value.param == "id"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_read_survives_the_server_dropping_its_connections(
    database_url: str, sessions: async_sessionmaker[AsyncSession], reader: JobReader
) -> None:
    caller = await new_caller(sessions, "reads")
    job = await _submit(sessions, caller, SPEC)
    assert await reader.get(job.id) == job  # a pooled connection now exists

    database = database_url.rsplit("/", 1)[1]
    dropped = sql(
        PG_ADMIN,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
        (database,),
    )
    assert dropped, "no connection of the reader was found to drop"

    assert await reader.get(job.id) == job
