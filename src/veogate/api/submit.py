"""The create boundary shared by every dialect: submit, commit, then start the workflow."""

from __future__ import annotations

import dataclasses
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.api.body import read_json_body
from veogate.auth.keys import Caller
from veogate.catalog import SpecDraft, validate
from veogate.db.transactions import scoped, transact
from veogate.delivery.targets import check_webhook_url
from veogate.errors import InvalidRequest
from veogate.ids import IdForm
from veogate.jobs.inputs import intake_inline_images
from veogate.jobs.model import SEED_MAX, Job, JobSpec
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission, Submitted, fingerprint
from veogate.pipeline.runtime import Launcher
from veogate.wiring import Services

MAX_IDEMPOTENCY_KEY = 255
ACCEPT_PATIENCE_SECONDS = 10.0
"""How long a create waits out a busy database before answering 503."""


@dataclass(frozen=True)
class CreateDialect:
    """How one dialect's create request becomes a submission."""

    name: str
    id_form: IdForm
    read: Callable[[dict[str, Any]], tuple[SpecDraft, dict[str, str]]]
    """Wire body -> draft and the field names to report errors with."""
    read_callback: Callable[[dict[str, Any]], tuple[str, str] | None] = lambda _body: None
    """Wire body -> (field name, URL) of the webhook the request asks for, if any."""
    read_warnings: Callable[[dict[str, Any]], tuple[str, ...]] = lambda _body: ()
    """Wire body -> what the job's warnings say about it (fields it ignores, say); may
    raise `InvalidRequest` for a field that cannot be ignored."""


async def create_job(
    request: Request,
    dialect: CreateDialect,
    caller: Caller,
    services: Services,
    launcher: Launcher,
    idempotency_key: str | None,
) -> Job:
    """Read, validate against the catalog, and accept one JSON create request."""
    submitted = await submit_job(request, dialect, caller, services, launcher, idempotency_key)
    return submitted.job


async def submit_job(
    request: Request,
    dialect: CreateDialect,
    caller: Caller,
    services: Services,
    launcher: Launcher,
    idempotency_key: str | None,
) -> Submitted:
    """`create_job`, also telling whether the job was created now or replayed for a
    repeated Idempotency-Key."""
    body = await read_json_body(request, services.settings.max_body_bytes)
    return await submit_body(body, dialect, caller, services, launcher, idempotency_key)


async def create_from_body(
    body: dict[str, Any],
    dialect: CreateDialect,
    caller: Caller,
    services: Services,
    launcher: Launcher,
    idempotency_key: str | None,
) -> Job:
    """Validate an already read create body against the catalog and accept it (for dialects
    whose requests are not a JSON object: multipart forms, say)."""
    submitted = await submit_body(body, dialect, caller, services, launcher, idempotency_key)
    return submitted.job


async def submit_body(
    body: dict[str, Any],
    dialect: CreateDialect,
    caller: Caller,
    services: Services,
    launcher: Launcher,
    idempotency_key: str | None,
) -> Submitted:
    """`create_from_body`, also telling whether the job was created now or replayed."""
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} characters",
            param="Idempotency-Key",
        )
    draft, names = dialect.read(body)
    warnings = dialect.read_warnings(body)
    spec = validate(
        draft,
        catalog=services.catalog,
        dialect=dialect.name,
        default_seed=secrets.randbelow(SEED_MAX + 1),
        names=names,
    )
    submission = Submission(
        dialect=dialect.name,
        id_form=dialect.id_form,
        spec=spec,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint(dialect.name, body),
        warnings=warnings,
        callback_url=_callback_url(dialect, body, services),
    )
    return await accept_submission(services, launcher, caller, submission)


def _callback_url(dialect: CreateDialect, body: dict[str, Any], services: Services) -> str | None:
    """The request's webhook URL, checked as far as it can be without DNS (the whole
    address policy is applied again on every attempt)."""
    asked = dialect.read_callback(body)
    if asked is None:
        return None
    field, url = asked
    return check_webhook_url(url, services.webhook_gate, field=field)


async def accept(
    services: Services, launcher: Launcher, caller: Caller, submission: Submission
) -> Job:
    """Record the job durably in the inbox; a worker's dispatcher hands it to the workflow
    engine (`pipeline/dispatch.py`). Idempotent for a repeated Idempotency-Key."""
    return (await accept_submission(services, launcher, caller, submission)).job


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
    await service.check_quota(caller, services.settings.max_active_jobs_per_key)
    provider = await _choose_provider(services, JobRepository(session), submission.spec)
    warnings = services.providers.member(provider).prepare(submission.spec)
    # Inline images are checked and stored now: a bad one is a 400 before queueing.
    spec = await intake_inline_images(submission.spec, services)
    submission = dataclasses.replace(
        submission, spec=spec, provider=provider, warnings=(*submission.warnings, *warnings)
    )
    return await service.submit(caller, submission)


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
