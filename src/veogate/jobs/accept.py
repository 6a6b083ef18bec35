"""The create use case: accept a validated submission as a new job (or replay the one its
Idempotency-Key made), then hand it to the launcher. Knows no HTTP: every dialect's create
route reads and validates its request (`api/submit.py`) and calls `accept_submission`.

This is the hottest write path: one transaction of reads (replay, provider load), the
inline images stored outside it, and the writes last: the job, then its reservation of
credits, which also checks the key's limits (`ledger/service.py`) and, when one fails,
rolls the whole unit back.
"""

from __future__ import annotations

import dataclasses
import functools

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.auth.keys import Caller
from veogate.db.transactions import scoped, transact
from veogate.jobs.inputs import intake_inline_images
from veogate.jobs.model import Job, JobSpec
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission, Submitted
from veogate.ledger import service as ledger
from veogate.ledger.prices import quote
from veogate.ledger.repository import LedgerRepository
from veogate.pipeline.runtime import Launcher
from veogate.wiring import Services

ACCEPT_PATIENCE_SECONDS = 10.0
"""How long a create waits out a busy database before answering 503."""


async def accept_submission(
    services: Services, launcher: Launcher, caller: Caller, submission: Submission
) -> Submitted:
    """`accept`, also telling whether the job was created now or replayed."""
    work = functools.partial(_accept, services, caller, submission)
    try:
        submitted = await transact(
            services.sessions, work, what="accepting a job", patience=ACCEPT_PATIENCE_SECONDS
        )
    except IntegrityError:  # a concurrent request with the same key won the race
        async with scoped(services.sessions) as session:
            replayed = await JobService(JobRepository(session)).replay(caller, submission)
        if replayed is None:
            raise
        submitted = Submitted(replayed, created=False)
    return Submitted(await _started(launcher, submitted.job), submitted.created)


async def _accept(
    services: Services, caller: Caller, submission: Submission, session: AsyncSession
) -> Submitted:
    """One unit of work: everything it writes comes last, after every read and the storing
    of inline images (no transaction is open while those are written)."""
    service = JobService(JobRepository(session))
    replayed = await service.replay(caller, submission)
    if replayed is not None:
        return Submitted(replayed, created=False)
    provider = await _choose_provider(services, JobRepository(session), submission.spec)
    warnings = services.providers.member(provider).prepare(submission.spec)
    # Inline images are checked and stored now: a bad one is a 400 before queueing.
    spec = await intake_inline_images(submission.spec, services)
    submission = dataclasses.replace(
        submission, spec=spec, provider=provider, warnings=(*submission.warnings, *warnings)
    )
    submitted = await service.submit(caller, submission)
    if submitted.created:  # last: the key's row stays locked from here to the commit
        await ledger.reserve(
            LedgerRepository(session),
            ledger.Reservation(
                job_id=submitted.job.id,
                key_id=caller.key_id,
                spec=spec,
                quote=quote(services.catalog, spec),
                charge_cancelled_after_submit=services.settings.charge_cancelled_after_submit,
                default_max_active_jobs=services.settings.max_active_jobs_per_key,
                model_names=services.catalog.names_of(spec.canonical_model),
            ),
            submitted.job.created_at,
        )
    return submitted


async def _started(launcher: Launcher, job: Job) -> Job:
    if not job.status.terminal:
        launcher.accepted(job.id)
    return job


async def _choose_provider(services: Services, repo: JobRepository, spec: JobSpec) -> str:
    """The least busy member of the pool that serves the model."""
    pool = services.providers.pool_for(spec.canonical_model)
    if len(pool) == 1:
        return pool[0]
    load = await repo.live_by_provider(pool)
    return min(pool, key=lambda name: (load[name], pool.index(name)))
