"""Start and stop durable execution (DBOS) in this process; enqueue and cancel jobs."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from dbos import DBOS, DBOSConfig, SetWorkflowID

from veogate.db.engine import prepare_sqlite_file
from veogate.jobs.model import JobStatus
from veogate.jobs.repository import JobRepository
from veogate.pipeline import context
from veogate.pipeline.workflow import run_job
from veogate.wiring import Services

log = logging.getLogger(__name__)


def queue_name(provider: str) -> str:
    """Each provider (one per credential) has its own queue, with its own limits."""
    return f"veogate-{provider}"


_ENDED_WITHOUT_RECORD = {"SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"}


class Runtime:
    """Owns the process's DBOS instance. `start` recovers interrupted jobs."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def start(self) -> None:
        settings = self.services.settings
        url = settings.resolved_system_database_url
        prepare_sqlite_file(url)
        config: DBOSConfig = {
            "name": "veogate",
            "system_database_url": url,
            "log_level": "WARNING",
            "application_version": "veogate-1",
        }
        context.install(self.services)
        DBOS(config=config)
        DBOS.launch()
        for member in self.services.providers.members():
            rpm = member.requests_per_minute
            await DBOS.register_queue_async(
                queue_name(member.name),
                worker_concurrency=member.concurrency,
                limiter={"limit": rpm, "period": 60.0} if rpm else None,
                polling_interval_sec=settings.queue_poll_seconds,
                on_conflict="always_update",
            )
        await self.reconcile()

    async def stop(self) -> None:
        await asyncio.to_thread(DBOS.destroy, workflow_completion_timeout_sec=0)
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
