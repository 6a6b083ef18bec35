"""A worker's webhook loops in the test's own event loop, on a real database, sending over
real loopback HTTP to `tests.support.receivers` servers.

`make_node` builds what one worker process has (its services: engine, signer...; its fan-out,
sender and connection pool) on the test's database; two nodes on one PostgreSQL database are
two workers sharing the work. Jobs are written through `JobService` / `JobRepository`, as the
pipeline writes them (rendering real videos would only make the tests slow).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.cluster import fresh_database, postgres_reachable
from veogate.auth.keys import create_key
from veogate.auth.repository import ApiKeyRepository
from veogate.config import Settings, get_settings
from veogate.db.migrate import upgrade
from veogate.db.transactions import scoped, transact
from veogate.delivery.endpoints import NewEndpoint, WebhookService
from veogate.delivery.repository import Delivery, DeliveryRepository
from veogate.delivery.webhooks import Webhooks
from veogate.dialects.apimart.schemas import ID_FORM as APIMART_IDS
from veogate.dialects.kyy.schemas import ID_FORM as KYY_IDS
from veogate.dialects.status import render_status
from veogate.jobs.model import Job, JobSpec, JobStatus, Output
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission
from veogate.wiring import Services, build_services

SIGNING_SECRET = "delivery-tests-signing-secret-0123456789abcdef"
SPEC = JobSpec(public_model="veo_3_1_fast", canonical_model="veo-3.1-fast", prompt="a kite", seed=3)
DIALECTS = {"kyy": KYY_IDS, "apimart": APIMART_IDS}


def output(job_id: str) -> Output:
    return Output(
        index=0,
        storage_key=f"jobs/{job_id}/0.mp4",
        size_bytes=1000,
        width=1280,
        height=720,
        frame_count=192,
        fps=24.0,
        duration_seconds=8.0,
        has_audio=True,
    )


@dataclass
class Node:
    """One worker's webhook machinery on the shared database."""

    services: Services
    webhooks: Webhooks
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    def start(self) -> Node:
        self.tasks = [asyncio.create_task(loop) for loop in self.webhooks.loops()]
        return self

    async def stop(self) -> None:
        await self.webhooks.stop(1.0)
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.services.close()

    async def db(self, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        return await transact(self.services.sessions, work, what="test")

    def service(self, session: AsyncSession) -> WebhookService:
        return WebhookService(session, self.services.webhook_gate)

    # ------------------------------------------------------------------ keys and endpoints

    async def key(self, name: str = "webhooks") -> str:
        made = await self.db(lambda s: create_key(ApiKeyRepository(s), name))
        return str(made.id)

    async def endpoint(self, key_id: str, url: str, events: list[str] | None = None) -> NewEndpoint:
        made: NewEndpoint = await self.db(lambda s: self.service(s).add(key_id, url, events=events))
        return made

    async def key_secret(self, key_id: str) -> str:
        return str(await self.db(lambda s: self.service(s).key_secret(key_id)))

    async def deliveries(self, **filters: Any) -> list[Delivery]:
        async with scoped(self.services.sessions) as session:
            return await DeliveryRepository(session).listed(limit=100_000, **filters)

    async def deliveries_until(
        self, check: Callable[[list[Delivery]], bool], timeout: float = 15.0, **filters: Any
    ) -> list[Delivery]:
        """The deliveries (newest first) once `check` holds for them."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            found = await self.deliveries(**filters)
            if check(found):
                return found
            if loop.time() > deadline:
                raise AssertionError(f"deliveries never settled: {found}")
            await asyncio.sleep(0.05)

    # ------------------------------------------------------------------ jobs

    async def jobs(
        self, key_id: str, count: int = 1, *, dialect: str = "kyy", callback_url: str | None = None
    ) -> list[Job]:
        submission = Submission(
            dialect=dialect,
            id_form=DIALECTS[dialect],
            spec=SPEC,
            idempotency_key=None,
            request_fingerprint="f" * 64,
            provider="preview",
            callback_url=callback_url,
        )
        caller = _Caller(key_id)
        made: list[Job] = []
        for start in range(0, count, 500):
            size = min(500, count - start)
            made += await self.db(lambda s, n=size: _submit_n(s, caller, submission, n))
        return made

    async def finish(self, job_ids: list[str], end: JobStatus = JobStatus.SUCCEEDED) -> None:
        """started, then the end, for each job (in batches: one transaction per 500 jobs)."""
        for start in range(0, len(job_ids), 500):
            batch = job_ids[start : start + 500]
            await self.db(lambda s, b=batch: _finish(s, b, end))


@dataclass(frozen=True)
class _Caller:
    key_id: str
    name: str = "test"


async def _submit_n(
    session: AsyncSession, caller: Any, submission: Submission, n: int
) -> list[Job]:
    service = JobService(JobRepository(session))
    return [(await service.submit(caller, submission)).job for _ in range(n)]


async def _finish(session: AsyncSession, job_ids: list[str], end: JobStatus) -> None:
    repo = JobRepository(session)
    now = datetime.now(UTC)
    for job_id in job_ids:
        await repo.start(job_id, now)
        if end is JobStatus.SUCCEEDED:
            await repo.record_success(job_id, [output(job_id)], now)
        else:
            await repo.record_end(job_id, end, now, "provider_error", "it broke")


# --------------------------------------------------------------------------- fixtures


def settings_for(root: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": root,
        "database_url": database_url,
        "signing_secret": SIGNING_SECRET,
        "webhook_poll_seconds": 0.1,
        "webhook_timeout_seconds": 2.0,
        "webhook_retry_schedule": [0, 0.2, 0.2, 0.2],
        "webhook_allow_cidrs": ["127.0.0.0/8"],
        "webhook_allowed_ports": list(range(1024, 65536)),
    }
    values.update(overrides)
    return get_settings(**values)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hooks.sqlite'}"
    upgrade(url)
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    if not postgres_reachable():
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    with fresh_database() as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


MakeNode = Callable[..., Awaitable[Node]]


@pytest.fixture
async def make_node(tmp_path: Path) -> AsyncIterator[MakeNode]:
    """`await make_node(database_url, **settings)`: a started node, stopped at the end."""
    nodes: list[Node] = []

    async def make(database_url: str, *, start: bool = True, **overrides: Any) -> Node:
        settings = settings_for(tmp_path / f"node-{len(nodes)}", database_url, **overrides)
        services = build_services(settings)

        async def render(job: Job) -> dict[str, Any]:
            return await render_status(job, services)

        node = Node(services, Webhooks(services.sessions, settings, services.webhook_gate, render))
        nodes.append(node)
        return node.start() if start else node

    yield make
    for node in nodes:
        with contextlib.suppress(Exception):
            await node.stop()


def body_of(raw: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(raw)
    return parsed
