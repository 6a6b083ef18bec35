"""The checkpointed step of a remote job: submit once, then leave the waiting to the poller.

Failures come back as `UpstreamFailed` (see `results.py`) so that the workflow decides about
retries, and never retries a submit that may have been accepted.
"""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime

from dbos import DBOS
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.transactions import transact
from veogate.errors import GenerationError, ProviderError
from veogate.jobs.lifecycle import StepNote
from veogate.jobs.model import JobSpec
from veogate.jobs.repository import JobRepository
from veogate.metrics import observe
from veogate.pipeline.backoff import jitter
from veogate.pipeline.context import services
from veogate.pipeline.operations import OperationRepository
from veogate.pipeline.results import SpecJson, SubmitResult, UpstreamFailed
from veogate.providers.remote import InputImage, InputImages, RemoteVideoProvider
from veogate.wiring import Services

AT_CAPACITY_WAIT_SECONDS = 5.0
"""How long a job waits before asking again when its credential is at its in-flight cap."""


def _submit_lost() -> ProviderError:
    error = ProviderError(
        "the worker stopped while submitting to the upstream, after the request was sent",
        retryable=True,
    )
    error.maybe_accepted = True
    return error


def remote_provider(svc: Services, provider: str) -> RemoteVideoProvider:
    """The job's provider; a job can outlive its provider's configuration (a restart
    without those credentials), which fails the job rather than crashing the step."""
    try:
        return svc.providers.remote(provider)
    except KeyError:
        raise ProviderError(
            f"provider {provider!r} is not configured on this worker", retryable=False
        ) from None


def failure(exc: GenerationError) -> UpstreamFailed:
    provider = exc if isinstance(exc, ProviderError) else None
    return {
        "ok": False,
        "retryable": exc.retryable,
        "maybe_accepted": bool(provider and provider.maybe_accepted),
        "retry_after": provider.retry_after_seconds if provider else None,
        "code": exc.code,
        "message": exc.message,
        "now": time.time(),
    }


def _at_capacity(job_id: str, provider: str, attempt: int) -> UpstreamFailed:
    wait = AT_CAPACITY_WAIT_SECONDS * (1 + jitter(job_id, "capacity", attempt))
    return {
        "ok": False,
        "retryable": True,
        "maybe_accepted": False,
        "retry_after": wait,
        "code": "at_capacity",
        "message": f"{provider} has as many operations in flight as it may; waiting",
        "now": time.time(),
        "waiting": True,
    }


async def _input(key: str | None, svc: Services) -> InputImage | None:
    if key is None:
        return None
    data = await svc.store.get_bytes(key)
    ext = key.rsplit(".", 1)[-1]
    mime = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}[ext]
    return InputImage(data=data, mime_type=mime)


async def stored_inputs(spec: JobSpec, svc: Services) -> InputImages:
    references = []
    for image in spec.reference_images:
        loaded = await _input(image.stored_key, svc)
        assert loaded is not None
        references.append(loaded)
    return InputImages(
        first_frame=await _input(spec.first_frame.stored_key if spec.first_frame else None, svc),
        last_frame=await _input(spec.last_frame.stored_key if spec.last_frame else None, svc),
        references=tuple(references),
    )


async def watch_operation(
    session: AsyncSession, svc: Services, job_id: str, provider: str, operation: str
) -> None:
    """Hand a submitted operation to the poller (a no-op if it already has it, or if the job
    has ended)."""
    job = await JobRepository(session).get(job_id)
    if job is None or job.status.terminal:
        return
    estimate = svc.catalog.canonical[job.spec.canonical_model].estimated_seconds
    await OperationRepository(session).watch(
        job_id,
        provider,
        operation,
        now=time.time(),
        deadline_at=job.created_at.timestamp() + svc.settings.job_deadline_seconds,
        first_interval=svc.settings.poll_initial_seconds,
        expected_seconds=float(estimate),
    )


async def _claim(
    svc: Services, job_id: str, provider: str, attempt: int, session: AsyncSession
) -> SubmitResult | None:
    """Before sending: the recorded operation (a re-run), a failure, a wait, or None (go)."""
    repo = JobRepository(session)
    job = await repo.get(job_id)
    if job is not None and job.upstream_operation:
        await watch_operation(session, svc, job_id, provider, job.upstream_operation)
        return {
            "ok": True,
            "operation": job.upstream_operation,
            "now": time.time(),
            "watched": True,
        }
    limit = svc.providers.member(provider).max_in_flight
    if not await svc.in_flight.has_room(session, provider, limit):
        return _at_capacity(job_id, provider, attempt)
    if not await repo.claim_submit(job_id, attempt):
        return failure(_submit_lost())
    await repo.note(job_id, StepNote.SUBMIT_SENT, {"attempt": attempt}, datetime.now(UTC))
    return None


async def _record(
    svc: Services, job_id: str, provider: str, operation: str, attempt: int, session: AsyncSession
) -> None:
    """After the answer, in one transaction: the operation, the poller's row, the event."""
    repo = JobRepository(session)
    await repo.set_operation(job_id, operation)
    await watch_operation(session, svc, job_id, provider, operation)
    detail = {"operation": operation, "attempt": attempt}
    await repo.note(job_id, StepNote.SUBMITTED, detail, datetime.now(UTC))


@DBOS.step(name="veogate.submit_upstream")
async def submit_upstream(
    job_id: str, provider: str, spec_json: SpecJson, attempt: int
) -> SubmitResult:
    """Send the paid request at most once per attempt, even if this step runs twice.

    DBOS runs a step again when its process died before the step's result was recorded.
    So before sending, the attempt is claimed on the job row (atomically: two workers
    running the same job cannot both claim it); after the answer, the operation is
    recorded, together with the poller's row that will wait on it. A re-run finds the
    operation and returns it, or finds the attempt claimed without one — the request went
    out but its answer was lost — and fails the job rather than risk paying twice.
    """
    svc = services()
    try:
        remote = remote_provider(svc, provider)
    except GenerationError as exc:
        return failure(exc)
    claim = functools.partial(_claim, svc, job_id, provider, attempt)
    gate = await transact(svc.sessions, claim, what=f"job {job_id}: claiming its submit")
    if gate is not None:
        return gate
    svc.in_flight.took(provider)
    try:
        spec = JobSpec.model_validate(spec_json)
        operation = await remote.submit(spec, await stored_inputs(spec, svc))
    except GenerationError as exc:
        observe.upstream_error(provider, "submit", exc.code)
        return failure(exc)
    record = functools.partial(_record, svc, job_id, provider, operation, attempt)
    await transact(svc.sessions, record, what=f"job {job_id}: recording operation {operation}")
    return {"ok": True, "operation": operation, "now": time.time(), "watched": True}
