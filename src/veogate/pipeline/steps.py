"""The checkpointed steps of a job. Each is one short transaction or one unit of work.

Steps return the typed dicts of `results.py` (DBOS records them); expected failures come
back as `{"ok": False, ...}` rather than exceptions, so what is recorded is exactly what we
meant. Database hiccups are waited out (`db.retry.transact`), never recorded as failures.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import shutil
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from dbos import DBOS
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.transactions import scoped, transact
from veogate.errors import GenerationError
from veogate.jobs.inputs import fetch_remote_images
from veogate.jobs.lifecycle import StepNote
from veogate.jobs.model import JobSpec, JobStatus, Output, output_key
from veogate.jobs.repository import JobRepository
from veogate.media.video import probe
from veogate.pipeline.backoff import current_policy
from veogate.pipeline.context import services
from veogate.pipeline.inputs import decoded_images
from veogate.pipeline.outcomes import record_failure, record_success, stored_output
from veogate.pipeline.progress import ProgressWriter
from veogate.pipeline.results import (
    OutputJson,
    RenderResult,
    ResolveResult,
    SpecJson,
    Started,
)
from veogate.providers.base import SampleRequest
from veogate.wiring import Services

log = logging.getLogger(__name__)


async def _note(svc: Services, job_id: str, kind: StepNote, detail: dict[str, Any]) -> None:
    async def add(session: AsyncSession) -> None:
        await JobRepository(session).note(job_id, kind, detail, datetime.now(UTC))

    await transact(svc.sessions, add, what=f"job {job_id}: recording {kind}")


async def _begin(svc: Services, job_id: str, session: AsyncSession) -> Started | None:
    repo = JobRepository(session)
    job = await repo.get(job_id)
    if job is None or job.status.terminal:
        return None
    # Still running: this is a replay after a restart, which starts nothing new.
    if job.status is JobStatus.QUEUED and not await repo.start(job_id, datetime.now(UTC)):
        return None  # cancelled meanwhile
    if not svc.providers.has(job.provider):
        message = f"provider {job.provider!r} is not configured on this worker"
        await repo.record_end(
            job_id, JobStatus.FAILED, datetime.now(UTC), "internal_error", message
        )
        return None
    return {
        "spec": job.spec.model_dump(mode="json"),
        "provider": job.provider,
        "remote": svc.providers.member(job.provider).remote is not None,
        "deadline": job.created_at.timestamp() + svc.settings.job_deadline_seconds,
        "expected_seconds": svc.catalog.canonical[job.spec.canonical_model].estimated_seconds,
        "policy": current_policy(svc.settings),
    }


@DBOS.step(name="veogate.begin_job")
async def begin_job(job_id: str) -> Started | None:
    """queued -> running, or None if the job already ended.

    Returns what the rest of the workflow decides with — the spec, the provider, and the
    retry and polling policy as configured now — so a replay after a restart decides the
    same way even if the configuration changed meanwhile.
    """
    svc = services()
    begin = functools.partial(_begin, svc, job_id)
    return await transact(svc.sessions, begin, what=f"job {job_id}: starting")


@DBOS.step(name="veogate.resolve_inputs")
async def resolve_inputs(job_id: str, spec_json: SpecJson) -> ResolveResult:
    """Fetch and store the job's URL images once; later steps (and restarts) use the copies."""
    svc = services()
    spec = JobSpec.model_validate(spec_json)
    if all(image.stored_key for image in spec.images()):
        return {"ok": True, "spec": spec_json}
    try:
        resolved = await fetch_remote_images(spec, svc)
    except GenerationError as exc:
        return {"ok": False, "code": exc.code, "message": exc.message, "param": exc.param}

    async def record(session: AsyncSession) -> None:
        repo = JobRepository(session)
        await repo.update_spec(job_id, resolved)
        keys = resolved.stored_image_keys()
        await repo.note(job_id, StepNote.INPUTS_STORED, {"keys": keys}, datetime.now(UTC))

    await transact(svc.sessions, record, what=f"job {job_id}: recording its inputs")
    return {"ok": True, "spec": resolved.model_dump(mode="json")}


CANCEL_CHECK_SECONDS = 0.5


async def _unless_cancelled(job_id: str, work: Coroutine[Any, Any, None]) -> bool:
    """Run `work`, stopping it if the job is cancelled meanwhile. True if it finished."""
    task = asyncio.ensure_future(work)
    while not task.done():
        await asyncio.wait({task}, timeout=CANCEL_CHECK_SECONDS)
        if task.done():
            break
        async with scoped(services().sessions) as session:
            status = (await JobRepository(session).status_of([job_id])).get(job_id)
        if status is JobStatus.CANCELLED:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return False
    task.result()
    return True


@DBOS.step(name="veogate.render_sample")
async def render_sample(
    job_id: str, provider_name: str, spec_json: SpecJson, index: int
) -> RenderResult:
    """Generate one sample, store it, and return what was measured from the stored file."""
    svc = services()
    spec = JobSpec.model_validate(spec_json)
    await _note(svc, job_id, StepNote.SAMPLE_STARTED, {"index": index})
    work = svc.work_dir / job_id
    work.mkdir(parents=True, exist_ok=True)
    destination = work / f"{index}.mp4"
    progress = ProgressWriter(job_id, index, spec.sample_count)
    try:
        width, height = svc.catalog.frame_size(spec.resolution, spec.aspect_ratio)
        images = await decoded_images(spec, svc)
        request = SampleRequest(
            spec=spec, sample_index=index, width=width, height=height, images=images
        )
        generating = svc.providers.local(provider_name).generate(request, destination, progress)
        if not await _unless_cancelled(job_id, generating):
            return {"ok": False, "code": "cancelled", "message": "cancelled", "param": None}
        info = await asyncio.to_thread(probe, destination)
        key = output_key(job_id, index)
        await svc.store.put_file(key, destination, "video/mp4")
    except GenerationError as exc:
        return {"ok": False, "code": exc.code, "message": exc.message, "param": exc.param}
    finally:
        await progress.flush()
        destination.unlink(missing_ok=True)
    output = stored_output(index, key, info)
    await _note(svc, job_id, StepNote.SAMPLE_STORED, {"index": index})
    return {"ok": True, "output": output.model_dump(mode="json")}


@DBOS.step(name="veogate.finish_job")
async def finish_job(
    job_id: str, outputs: list[OutputJson], warnings: list[str], billed: bool
) -> str:
    """Record success (and settle its credits); if the job was cancelled meanwhile, drop the
    files. `billed` is unused since the ledger charges every provider's jobs alike; it stays
    in the signature so that workflows recorded before that replay unchanged."""
    del billed
    svc = services()
    parsed = [Output.model_validate(o) for o in outputs]
    recorded = await transact(
        svc.sessions,
        functools.partial(record_success, job_id=job_id, outputs=parsed, warnings=warnings),
        what=f"job {job_id}: recording its outputs",
    )
    if not recorded:
        for output in parsed:
            await svc.store.delete(output.storage_key)
    shutil.rmtree(svc.work_dir / job_id, ignore_errors=True)
    return JobStatus.SUCCEEDED.value if recorded else "ended-elsewhere"


@DBOS.step(name="veogate.fail_job")
async def fail_job(job_id: str, code: str, message: str, stored_keys: list[str]) -> None:
    svc = services()
    await transact(
        svc.sessions,
        functools.partial(record_failure, job_id=job_id, code=code, message=message),
        what=f"job {job_id}: recording its failure",
    )
    for key in stored_keys:
        await svc.store.delete(key)
    shutil.rmtree(svc.work_dir / job_id, ignore_errors=True)
