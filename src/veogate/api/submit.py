"""The create boundary shared by every dialect: submit, commit, then start the workflow."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from veogate.auth.keys import Caller
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission
from veogate.pipeline.runtime import Runtime
from veogate.wiring import Services


async def accept(
    services: Services, runtime: Runtime, caller: Caller, submission: Submission
) -> Job:
    """Record the job durably, then enqueue it. Idempotent for a repeated Idempotency-Key.

    If the process dies between the commit and the enqueue, start-up reconciliation
    enqueues the job; enqueueing a live job again is harmless, so a replay does it too.
    """
    async with services.sessions() as session:
        service = JobService(JobRepository(session))
        try:
            job = (await service.submit(caller, submission)).job
            await session.commit()
        except IntegrityError:
            await session.rollback()  # a concurrent request with the same key won the race
            replayed = await service.replay(caller, submission)
            if replayed is None:
                raise
            job = replayed
    if not job.status.terminal:
        await runtime.enqueue(job.id)
    return job
