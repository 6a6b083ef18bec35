"""Durable execution in this process: a worker (runs jobs) or a client (only enqueues).

    serve                (embedded default)  API + WorkerRuntime in one process
    serve --no-worker    (scale-out)         API + ClientLauncher: enqueue and cancel only
    worker               (scale-out)         WorkerRuntime, no HTTP

Both kinds share the queue names and the application version (`queues.py`), so any worker
may run any job an API process accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from dbos import DBOS, DBOSClient, DBOSConfig, EnqueueOptions, SetWorkflowID

from veogate.config import Settings
from veogate.db.engine import prepare_sqlite_file
from veogate.jobs.model import JobStatus
from veogate.jobs.repository import JobRepository
from veogate.pipeline import context, retention
from veogate.pipeline.queues import APP_VERSION, WORKFLOW_NAME, queue_limits, queue_name
from veogate.pipeline.reaper import Reaper
from veogate.pipeline.workflow import run_job
from veogate.wiring import Services

log = logging.getLogger(__name__)

_ENDED_WITHOUT_RECORD = {"SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"}


class Launcher(Protocol):
    """What the API needs from durable execution."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def enqueue(self, job_id: str, provider: str) -> None: ...

    async def cancel(self, job_id: str) -> None: ...


def executor_id(settings: Settings) -> str:
    """Configured, else this host's name plus an id kept in the data directory."""
    if settings.executor_id:
        return settings.executor_id
    path: Path = settings.data_dir / "executor-id"
    if not path.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError), path.open("x") as handle:
            handle.write(secrets.token_hex(4))
    return f"{socket.gethostname()}-{path.read_text().strip()}"


def migrate_system_database(settings: Settings) -> None:
    url = settings.resolved_system_database_url
    prepare_sqlite_file(url)
    DBOS.migrate(url)


class WorkerRuntime:
    """Owns the process's DBOS instance and runs jobs. `start` recovers interrupted ones."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.executor_id = executor_id(services.settings)
        self.reaper = Reaper(services, self.executor_id)
        self._upkeep: asyncio.Task[None] | None = None
        self._sweeper: asyncio.Task[None] | None = None

    async def start(self) -> None:
        settings = self.services.settings
        url = settings.resolved_system_database_url
        prepare_sqlite_file(url)
        config: DBOSConfig = {
            "name": "veogate",
            "system_database_url": url,
            "log_level": "WARNING",
            "application_version": APP_VERSION,
            "executor_id": self.executor_id,
            "sys_db_pool_size": settings.system_database_pool_size,
        }
        context.install(self.services)
        DBOS(config=config)
        DBOS.launch()
        for member in self.services.providers.members():
            limits = queue_limits(member, settings.queue_poll_seconds)
            await DBOS.register_queue_async(queue_name(member.name), **limits)
        await self.reaper.register()
        await self.reconcile()
        self._upkeep = asyncio.create_task(self.reaper.run_forever(self.reconcile))
        self._sweeper = asyncio.create_task(retention.run_forever(self.services))
        log.info("worker %s started", self.executor_id)

    async def stop(self) -> None:
        """Stop taking work; let running steps finish within the grace period."""
        for task in (self._upkeep, self._sweeper):
            if task is not None:
                task.cancel()
        grace = int(self.services.settings.shutdown_grace_seconds)
        await asyncio.to_thread(DBOS.destroy, workflow_completion_timeout_sec=grace)
        await self.reaper.stopped()
        context.install(None)

    async def enqueue(self, job_id: str, provider: str) -> None:
        """Start the job's workflow; enqueueing an id twice is harmless."""
        with SetWorkflowID(job_id):
            await DBOS.enqueue_workflow_async(queue_name(provider), run_job, job_id)

    async def cancel(self, job_id: str) -> None:
        await DBOS.cancel_workflow_async(job_id)

    async def reconcile(self) -> None:
        """Make every live job row have a live workflow.

        A crash between committing a job row and enqueueing its workflow leaves a row
        without one: enqueue it now. A workflow that ended without recording its end
        (it exhausted its recovery attempts, say) fails its job with a reason.
        """
        async with self.services.sessions() as session:
            live = await JobRepository(session).live_jobs()
        for job_id, provider in live:
            status = await DBOS.get_workflow_status_async(job_id)
            if status is None:
                log.warning("job %s had no workflow; enqueueing it", job_id)
                await self.enqueue(job_id, provider)
            elif status.status in _ENDED_WITHOUT_RECORD:
                await self._fail_orphan(job_id, status.status)

    async def _fail_orphan(self, job_id: str, workflow_status: str) -> None:
        log.error("job %s: workflow ended (%s) without recording a result", job_id, workflow_status)
        async with self.services.sessions.begin() as session:
            await JobRepository(session).record_end(
                job_id,
                JobStatus.FAILED,
                datetime.now(UTC),
                "internal_error",
                f"the job's run ended unexpectedly ({workflow_status.lower()})",
            )


class ClientLauncher:
    """For API-only processes: enqueue into the workers' queues, never run a job here."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._client: DBOSClient | None = None

    async def start(self) -> None:
        settings = self.services.settings
        await asyncio.to_thread(migrate_system_database, settings)
        self._client = DBOSClient(
            system_database_url=settings.resolved_system_database_url,
            system_database_pool_size=max(2, settings.system_database_pool_size // 2),
        )
        for member in self.services.providers.members():
            limits = queue_limits(member, settings.queue_poll_seconds)
            await self._client.register_queue_async(queue_name(member.name), **limits)

    async def stop(self) -> None:
        if self._client is not None:
            await asyncio.to_thread(self._client.destroy)

    async def enqueue(self, job_id: str, provider: str) -> None:
        assert self._client is not None
        options: EnqueueOptions = {
            "workflow_name": WORKFLOW_NAME,
            "queue_name": queue_name(provider),
            "workflow_id": job_id,
            "app_version": APP_VERSION,
        }
        await self._client.enqueue_async(options, job_id)

    async def cancel(self, job_id: str) -> None:
        assert self._client is not None
        await self._client.cancel_workflow_async(job_id)
