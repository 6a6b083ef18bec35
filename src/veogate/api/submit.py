"""The create boundary shared by every dialect: submit, commit, then start the workflow."""

from __future__ import annotations

import dataclasses

from sqlalchemy.exc import IntegrityError

from veogate.auth.keys import Caller
from veogate.jobs.inputs import intake_inline_images
from veogate.jobs.model import Job, JobSpec
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission
from veogate.pipeline.runtime import Launcher
from veogate.wiring import Services


async def accept(
    services: Services, launcher: Launcher, caller: Caller, submission: Submission
) -> Job:
    """Record the job durably, then enqueue it. Idempotent for a repeated Idempotency-Key.

    If the process dies between the commit and the enqueue, start-up reconciliation
    enqueues the job; enqueueing a live job again is harmless, so a replay does it too.
    """
    async with services.sessions() as session:
        service = JobService(JobRepository(session))
        replayed = await service.replay(caller, submission)
        if replayed is not None:
            return await _started(launcher, replayed)
        provider = await _choose_provider(services, JobRepository(session), submission.spec)
        warnings = services.providers.member(provider).prepare(submission.spec)
        # Inline images are checked and stored now: a bad one is a 400 before queueing.
        spec = await intake_inline_images(submission.spec, services)
        submission = dataclasses.replace(
            submission, spec=spec, provider=provider, warnings=warnings
        )
        try:
            limit = services.settings.max_active_jobs_per_key
            job = (await service.submit(caller, submission, max_active_jobs=limit)).job
            await session.commit()
        except IntegrityError:
            await session.rollback()  # a concurrent request with the same key won the race
            replayed = await service.replay(caller, submission)
            if replayed is None:
                raise
            job = replayed
    return await _started(launcher, job)


async def _started(launcher: Launcher, job: Job) -> Job:
    if not job.status.terminal:
        await launcher.enqueue(job.id, job.provider)
    return job


async def _choose_provider(services: Services, repo: JobRepository, spec: JobSpec) -> str:
    """The least busy member of the pool that serves the model."""
    pool = services.providers.pool_for(spec.canonical_model)
    if len(pool) == 1:
        return pool[0]
    load = await repo.live_by_provider(pool)
    return min(pool, key=lambda name: (load[name], pool.index(name)))
