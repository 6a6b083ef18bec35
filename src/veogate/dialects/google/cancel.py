"""Cancelling a job named by an operation: the same use case as every dialect's cancel."""

from __future__ import annotations

from veogate.auth.keys import Caller
from veogate.db.transactions import transact
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService
from veogate.pipeline.runtime import Launcher
from veogate.wiring import Services


async def cancel_job(caller: Caller, opid: str, services: Services, launcher: Launcher) -> Job:
    job, changed = await transact(
        services.sessions,
        lambda session: JobService(JobRepository(session)).cancel(caller, opid),
        what="cancelling a job",
    )
    if changed:
        await launcher.cancel(job.id)
    return job
