"""Job databases for in-process tests: a SQLite file or a fresh PostgreSQL database, migrated."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.cluster import fresh_database, postgres_reachable
from veogate.auth.keys import Caller, create_key
from veogate.auth.repository import ApiKeyRepository
from veogate.db.engine import create_engine, session_factory
from veogate.db.migrate import upgrade
from veogate.db.transactions import transact
from veogate.dialects.apimart.schemas import ID_FORM as APIMART_IDS
from veogate.jobs.model import Job, JobSpec, Output
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission
from veogate.ledger import service as ledger
from veogate.ledger.prices import Quote
from veogate.ledger.repository import LedgerRepository

SPEC = JobSpec(
    public_model="veo3.1-fast", canonical_model="veo-3.1-fast", prompt="a harbour", seed=1
)


@contextlib.contextmanager
def migrated_database(kind: str, sqlite_file: Path) -> Iterator[str]:
    """`kind` "sqlite" (at `sqlite_file`) or "postgresql" (skips the test without a server)."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{sqlite_file}"
        upgrade(url)
        yield url
        return
    if not postgres_reachable():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with fresh_database() as url:
        upgrade(url)
        yield url


def database_url_fixture() -> Any:
    """A `database_url` fixture for a test module: a migrated job database, once on SQLite
    and once on PostgreSQL (`database_url = database_url_fixture()`)."""

    @pytest.fixture(params=["sqlite", "postgresql"])
    def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
        with migrated_database(request.param, tmp_path / "jobs.sqlite") as url:
            yield url

    return database_url


def sessions_fixture() -> Any:
    """A `sessions` fixture on the module's `database_url` (`sessions = sessions_fixture()`)."""

    @pytest.fixture
    async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
        async with sessions_for(database_url) as made:
            yield made

    return sessions


@contextlib.asynccontextmanager
async def sessions_for(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the job database at `url`, its engine disposed of afterwards."""
    engine = create_engine(url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def new_caller(sessions: async_sessionmaker[AsyncSession], name: str) -> Caller:
    """A new API key, as the identity its requests would carry."""
    created = await transact(
        sessions, lambda s: create_key(ApiKeyRepository(s), name), what="a key"
    )
    return Caller(key_id=created.id, name=name)


async def submit_job_in(session: AsyncSession, caller: Caller) -> Job:
    """An apimart job accepted in `session` (not committed): its `job.queued` event too."""
    submission = Submission(
        dialect="apimart",
        id_form=APIMART_IDS,
        spec=SPEC,
        idempotency_key=None,
        request_fingerprint="f" * 64,
        provider="preview",
    )
    return (await JobService(JobRepository(session)).submit(caller, submission)).job


async def submit_job(sessions: async_sessionmaker[AsyncSession], caller: Caller) -> Job:
    return await transact(sessions, lambda s: submit_job_in(s, caller), what="a job")


def output(index: int, seconds: float = 8.0) -> Output:
    """A stored output as the pipeline would record it."""
    return Output(
        index=index,
        storage_key=f"jobs/x/{index}.mp4",
        size_bytes=1000 + index,
        width=1280,
        height=720,
        frame_count=round(seconds * 24),
        fps=24.0,
        duration_seconds=seconds,
        has_audio=index == 0,
    )


async def reserve(session: AsyncSession, job: Job, unit: int, seconds: float) -> None:
    """A reservation for `job` of `seconds` at `unit` micro-credits a second, as accepting
    it would have made."""
    reservation = ledger.Reservation(
        job_id=job.id,
        key_id=job.owner_key_id,
        spec=job.spec,
        quote=Quote(unit=unit, seconds=seconds),
        charge_cancelled_after_submit=True,
        default_max_active_jobs=0,
    )
    await ledger.reserve(LedgerRepository(session), reservation, job.created_at)
