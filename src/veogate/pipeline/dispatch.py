"""The inbox: accepted jobs are handed to the workflow engine by workers, many at a time.

A create request only inserts the job's row (`dispatched_at` empty) and commits: the row is
the durable record, so an API process that dies right after answering loses nothing. Each
worker's dispatcher takes the oldest rows of the inbox, enqueues their workflows in one
transaction of the workflow engine's database, then marks the rows dispatched.

    enqueue, then mark     a crash in between enqueues again: enqueueing a workflow id
                           that exists is a no-op, so nothing runs twice
    PostgreSQL             the rows are locked while they are enqueued (FOR UPDATE SKIP
                           LOCKED): several workers share the inbox without waiting on it
    latency                the API process in the same process wakes its dispatcher; API-only
                           processes are noticed within `queue_poll_seconds`

Measured (`docs/performance.md`): enqueueing through DBOS costs about 1 ms of CPU per call
on SQLite, about 0.25 ms per workflow in batches, and nothing at all in the request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from dbos import DBOSClient, EnqueueOptions

from veogate.db.engine import sqlite_path
from veogate.db.transactions import scoped
from veogate.jobs.inbox_repository import InboxRepository
from veogate.pipeline.pressure import LoopPressure
from veogate.pipeline.queues import APP_VERSION, WORKFLOW_NAME, queue_name
from veogate.wiring import Services

log = logging.getLogger(__name__)

BATCH = 500
PRESSURE_RECHECK_SECONDS = 0.1


class BatchEnqueuer:
    """Enqueues many workflows in one transaction of the workflow engine's database."""

    def __init__(self, system_database_url: str) -> None:
        self._client = DBOSClient(
            system_database_url=system_database_url, system_database_pool_size=2
        )
        self._engine = _system_engine(system_database_url)

    def enqueue(self, jobs: Sequence[tuple[str, str]]) -> None:
        """(job id, provider) pairs -> `veogate.run_job` workflows in their queues (blocking)."""
        with self._engine.begin() as connection:
            for job_id, provider in jobs:
                options: EnqueueOptions = {
                    "workflow_name": WORKFLOW_NAME,
                    "queue_name": queue_name(provider),
                    "workflow_id": job_id,
                    "app_version": APP_VERSION,
                }
                self._client.enqueue_in_transaction(connection, options, job_id)

    def close(self) -> None:
        self._engine.dispose()
        self._client.destroy()


def _system_engine(url: str) -> sa.Engine:
    if sqlite_path(url) is None:
        return sa.create_engine(url, pool_size=1, max_overflow=1, pool_pre_ping=True)
    engine = sa.create_engine(url, pool_size=1, max_overflow=1)

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = "IMMEDIATE"  # take the write lock at BEGIN
        dbapi_connection.execute("PRAGMA busy_timeout=30000")

    return engine


class Dispatcher:
    def __init__(
        self, services: Services, enqueuer: BatchEnqueuer, pressure: LoopPressure | None = None
    ) -> None:
        self.services = services
        self.enqueuer = enqueuer
        self.pressure = pressure
        """Set when requests share this process's loop: their saturation defers dispatching."""
        self._wake = asyncio.Event()
        self._stopping = False
        self._yield_began: float | None = None

    def wake(self) -> None:
        """A job was just accepted in this process: look now."""
        self._wake.set()

    async def run(self) -> None:
        poll = self.services.settings.queue_poll_seconds
        while not self._stopping:
            self._wake.clear()
            if self._yielding():
                await asyncio.sleep(PRESSURE_RECHECK_SECONDS)
                continue
            try:
                handed = await self.dispatch_once()
            except Exception:
                log.exception("dispatching accepted jobs failed; trying again")
                handed = 0
            if handed >= BATCH:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll)

    def _yielding(self) -> bool:
        """Whether to leave the inbox be for now: requests saturate the loop, and have not
        for longer than `dispatch_max_defer_seconds` (then one batch goes, and the wait
        starts again: under a flood that never ends, a batch per that many seconds)."""
        limit = self.services.settings.dispatch_max_defer_seconds
        if self.pressure is None or limit <= 0 or not self.pressure.busy:
            self._yield_began = None
            return False
        now = time.monotonic()
        if self._yield_began is None:
            self._yield_began = now
            log.debug("requests saturate the loop: starting workflows waits")
        if now - self._yield_began < limit:
            return True
        self._yield_began = now
        return False

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def dispatch_once(self) -> int:
        """Hand one batch of the inbox to the workflow engine; how many jobs it held."""
        async with scoped(self.services.sessions) as session:
            repo = InboxRepository(session)
            jobs = await repo.inbox(BATCH)  # locked on PostgreSQL; SQLite takes no lock to read
            if not jobs:
                return 0
            await asyncio.to_thread(self.enqueuer.enqueue, jobs)
            await repo.mark_dispatched([job_id for job_id, _ in jobs], datetime.now(UTC))
            await session.commit()
        log.debug("dispatched %d jobs", len(jobs))
        return len(jobs)
