"""Durable execution in this process: a worker (runs jobs) or a client (only accepts them).

    serve                (embedded default)  API + WorkerRuntime in one process
    serve --no-worker    (scale-out)         API + ClientLauncher: accept and cancel only
    worker               (scale-out)         WorkerRuntime, no HTTP

A worker runs these loops beside the workflow engine: the dispatcher (accepted jobs ->
workflows, `dispatch.py`), one poller per remote credential (`poller.py`), the upkeep
(heartbeats, dead-worker takeover, reconciliation: `reaper.py`, `reconcile` below), the
retention sweeper, and the webhooks' fan-out and sender (`delivery/webhooks.py`). Both kinds
share the queue names and the application version (`queues.py`), so any worker may run any
job an API process accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import secrets
import socket
import time
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from dbos import DBOS, DBOSClient, DBOSConfig
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.config import Settings
from veogate.db.engine import prepare_sqlite_file
from veogate.db.transactions import scoped, transact
from veogate.delivery.webhooks import Webhooks
from veogate.jobs.inbox_repository import InboxRepository
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository
from veogate.pipeline import context, retention
from veogate.pipeline.dispatch import BatchEnqueuer, Dispatcher
from veogate.pipeline.engine_logs import quiet_cancellations
from veogate.pipeline.executors import ExecutorRepository
from veogate.pipeline.operations import OperationRepository
from veogate.pipeline.outcomes import record_failure
from veogate.pipeline.poller import UpstreamPoller
from veogate.pipeline.pressure import LoopPressure
from veogate.pipeline.queues import APP_VERSION, queue_limits, queue_name
from veogate.pipeline.reaper import Reaper
from veogate.pipeline.remote_steps import watch_operation
from veogate.pipeline.workflow import run_job  # noqa: F401  (registers the workflow)
from veogate.wiring import Services

log = logging.getLogger(__name__)

_LIVE_WORKFLOW = {"PENDING", "ENQUEUED"}

JobStatusRenderer = Callable[[Job, Services], Awaitable[dict[str, Any]]]
"""`dialects.status.render_status`, handed in by the composition roots (pipeline code never
imports dialects): what a webhook's `data` holds."""
_STATUS_BATCH = 500


class Launcher(Protocol):
    """What the API needs from durable execution."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    def accepted(self, job_id: str) -> None:
        """A job was committed to the inbox; have it dispatched soon."""

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

    def __init__(
        self,
        services: Services,
        render_status: JobStatusRenderer,
        pressure: LoopPressure | None = None,
    ) -> None:
        self.services = services
        self.pressure = pressure
        """The serving loop's pressure, when this runtime shares a process with the API."""
        self.executor_id = executor_id(services.settings)

        async def render(job: Job) -> dict[str, Any]:
            return await render_status(job, services)

        self.webhooks = Webhooks(
            services.sessions, services.settings, services.webhook_gate, render
        )
        self.reaper = Reaper(services, self.executor_id)
        self._tasks: list[asyncio.Task[None]] = []
        self._enqueuer: BatchEnqueuer | None = None
        self._dispatcher: Dispatcher | None = None
        self._pollers: list[UpstreamPoller] = []

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
        quiet_cancellations()
        DBOS(config=config)
        DBOS.launch()
        for member in self.services.providers.members():
            limits = queue_limits(member, settings.queue_poll_seconds)
            await DBOS.register_queue_async(queue_name(member.name), **limits)
        self._enqueuer = await asyncio.to_thread(BatchEnqueuer, url)
        self._dispatcher = Dispatcher(self.services, self._enqueuer, self.pressure)
        downloads = asyncio.Semaphore(settings.download_concurrency)
        self._pollers = [
            UpstreamPoller(
                self.services,
                member.name,
                member.remote,
                slots=settings.poll_concurrency,
                downloads=downloads,
            )
            for member in self.services.providers.members()
            if member.remote is not None
        ]
        await self.reaper.register()
        await self.reconcile()
        self._spawn(self._dispatcher.run())
        for poller in self._pollers:
            self._spawn(poller.run())
        self._spawn(self.reaper.run_forever(self.reconcile))
        self._spawn(retention.run_forever(self.services))
        for loop in self.webhooks.loops():
            self._spawn(loop)
        log.info("worker %s started", self.executor_id)

    def _spawn(self, loop: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.create_task(loop))

    async def stop(self) -> None:
        """Stop taking work; let running steps and looks finish within the grace period."""
        grace = self.services.settings.shutdown_grace_seconds
        if self._dispatcher is not None:
            self._dispatcher.stop()
        await asyncio.gather(*(p.stop(grace) for p in self._pollers), self.webhooks.stop(grace))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._enqueuer is not None:
            await asyncio.to_thread(self._enqueuer.close)
        await asyncio.to_thread(DBOS.destroy, workflow_completion_timeout_sec=int(grace))
        await self.reaper.stopped()
        context.install(None)

    def accepted(self, job_id: str) -> None:
        if self._dispatcher is not None:
            self._dispatcher.wake()

    async def cancel(self, job_id: str) -> None:
        await DBOS.cancel_workflow_async(job_id)

    async def reconcile(self) -> None:
        """Make every live job either have a live workflow or be waited on by a poller.

        Only jobs outside both are looked at (a cheap query: the thousands of jobs waiting
        on an upstream are not among them). Each is re-read after its workflow's status, so
        a job that ended in between is not mistaken for an orphan.
        """
        svc = self.services
        async with scoped(svc.sessions) as session:
            candidates = await InboxRepository(session).unwatched_live(datetime.now(UTC))
        if candidates:
            await self._reconcile_workflows(dict(candidates))
        await self._fail_stranded()

    async def _reconcile_workflows(self, providers: dict[str, str]) -> None:
        ids = list(providers)
        statuses: dict[str, str] = {}
        for start in range(0, len(ids), _STATUS_BATCH):
            chunk = ids[start : start + _STATUS_BATCH]
            for workflow in await DBOS.list_workflows_async(
                workflow_ids=chunk, load_input=False, load_output=False
            ):
                statuses[workflow.workflow_id] = workflow.status
        async with scoped(self.services.sessions) as session:
            still = await InboxRepository(session).still_unwatched_live(ids)
        lost = [(i, providers[i]) for i in ids if i in still and i not in statuses]
        if lost and self._enqueuer is not None:
            log.warning("%d live jobs had no workflow; enqueueing them", len(lost))
            await asyncio.to_thread(self._enqueuer.enqueue, lost)
        for job_id, status in statuses.items():
            if job_id in still and status not in _LIVE_WORKFLOW:
                await self._orphan(job_id, providers[job_id], status)

    async def _orphan(self, job_id: str, provider: str, workflow_status: str) -> None:
        """A live job whose workflow ended without ending it: hand a submitted operation to
        the poller, else fail the job (this is the only place that logs a lost job)."""
        svc = self.services

        async def settle(session: AsyncSession) -> str:
            job = await JobRepository(session).get(job_id)
            if job is None or job.status.terminal:
                return "ended"
            if job.upstream_operation and workflow_status == "SUCCESS":
                await watch_operation(session, svc, job_id, provider, job.upstream_operation)
                return "adopted"
            message = f"the job's run ended unexpectedly ({workflow_status.lower()})"
            await record_failure(session, job_id, "internal_error", message)
            return "failed"

        outcome = await transact(svc.sessions, settle, what=f"job {job_id}: reconciling")
        if outcome == "failed":
            log.error("job %s: workflow ended (%s) without ending the job", job_id, workflow_status)
        elif outcome == "adopted":
            log.warning("job %s: its operation had no poller; handed over", job_id)

    async def _fail_stranded(self) -> None:
        """Operations of providers this worker does not have, which no worker can look at:
        all of them when no other worker is alive, else those untouched for longer than a
        dead worker's grace period."""
        svc = self.services
        known = [m.name for m in svc.providers.members() if m.remote is not None]
        grace = svc.settings.dead_worker_grace_seconds
        async with scoped(svc.sessions) as session:
            since = datetime.now(UTC) - timedelta(seconds=grace)
            others = await ExecutorRepository(session).others_alive(self.executor_id, since)
            before = time.time() - grace if others else math.inf
            stranded = await OperationRepository(session).stranded(known, before)
        for job_id, provider in stranded:
            message = f"provider {provider!r} is not configured on this worker"
            fail = functools.partial(
                record_failure, job_id=job_id, code="internal_error", message=message
            )
            await transact(svc.sessions, fail, what=f"job {job_id}: failing (provider gone)")


class ClientLauncher:
    """For API-only processes: accept and cancel; jobs are dispatched and run by workers."""

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

    async def stop(self) -> None:
        if self._client is not None:
            await asyncio.to_thread(self._client.destroy)

    def accepted(self, job_id: str) -> None:
        """Nothing to do here: the workers' dispatchers read the inbox."""

    async def cancel(self, job_id: str) -> None:
        assert self._client is not None
        await self._client.cancel_workflow_async(job_id)
