"""The checkpointed steps of a job. Each is one short transaction or one unit of work.

Steps return plain JSON-able dicts (DBOS records them); expected failures come back as
`{"ok": False, ...}` rather than exceptions, so what is recorded is exactly what we meant.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from dbos import DBOS

from veogate.errors import GenerationError
from veogate.jobs.inputs import fetch_remote_images
from veogate.jobs.model import JobSpec, JobStatus, Output, output_key
from veogate.jobs.repository import JobRepository
from veogate.media.video import VideoProbe, probe
from veogate.pipeline.context import services
from veogate.pipeline.inputs import decoded_images
from veogate.pipeline.progress import ProgressWriter
from veogate.providers.base import SampleRequest
from veogate.wiring import Services

log = logging.getLogger(__name__)


def stored_output(index: int, key: str, info: VideoProbe) -> Output:
    """What was measured from a stored file (never what was asked)."""
    return Output(
        index=index,
        storage_key=key,
        size_bytes=info.size_bytes,
        width=info.width,
        height=info.height,
        frame_count=info.frame_count,
        fps=info.fps,
        duration_seconds=info.duration_seconds,
        has_audio=info.has_audio,
    )


def usage_price(svc: Services, spec: JobSpec) -> float:
    """USD per second of output: configured per model and resolution, else the catalog's."""
    by_resolution = svc.settings.prices_usd_per_second.get(spec.canonical_model, {})
    if spec.resolution in by_resolution:
        return by_resolution[spec.resolution]
    return svc.catalog.canonical[spec.canonical_model].price_per_second_usd


@DBOS.step(name="veogate.begin_job")
async def begin_job(job_id: str) -> dict[str, Any] | None:
    """queued -> running, or None if the job already ended.

    Returns what the rest of the workflow decides with — the spec, the provider, and the
    retry and polling policy as configured now — so a replay after a restart decides the
    same way even if the configuration changed meanwhile.
    """
    svc = services()
    async with svc.sessions.begin() as session:
        repo = JobRepository(session)
        job = await repo.get(job_id)
        if job is None or not await repo.mark_running(job_id, datetime.now(UTC)):
            return None
        await repo.add_event(job_id, "started", {}, datetime.now(UTC))
        if not svc.providers.has(job.provider):
            message = f"provider {job.provider!r} is not configured on this worker"
            await repo.record_end(
                job_id, JobStatus.FAILED, datetime.now(UTC), "internal_error", message
            )
            return None
        settings = svc.settings
        return {
            "spec": job.spec.model_dump(mode="json"),
            "provider": job.provider,
            "remote": svc.providers.member(job.provider).remote is not None,
            "deadline": job.created_at.timestamp() + settings.job_deadline_seconds,
            "expected_seconds": svc.catalog.canonical[job.spec.canonical_model].estimated_seconds,
            "policy": {
                "max_attempts": settings.upstream_max_attempts,
                "retry_base": settings.upstream_retry_base_seconds,
                "retry_max": settings.upstream_retry_max_seconds,
                "poll_initial": settings.poll_initial_seconds,
                "poll_max": settings.poll_max_seconds,
                "poll_backoff": settings.poll_backoff,
            },
        }


@DBOS.step(name="veogate.resolve_inputs")
async def resolve_inputs(job_id: str, spec_json: dict[str, Any]) -> dict[str, Any]:
    """Fetch and store the job's URL images once; later steps (and restarts) use the copies."""
    svc = services()
    spec = JobSpec.model_validate(spec_json)
    if all(image.stored_key for image in spec.images()):
        return {"ok": True, "spec": spec_json}
    try:
        resolved = await fetch_remote_images(spec, svc)
    except GenerationError as exc:
        return {"ok": False, "code": exc.code, "message": exc.message, "param": exc.param}
    async with svc.sessions.begin() as session:
        repo = JobRepository(session)
        await repo.update_spec(job_id, resolved)
        keys = resolved.stored_image_keys()
        await repo.add_event(job_id, "inputs_stored", {"keys": keys}, datetime.now(UTC))
    return {"ok": True, "spec": resolved.model_dump(mode="json")}


CANCEL_CHECK_SECONDS = 0.5


async def _unless_cancelled(job_id: str, work: Coroutine[Any, Any, None]) -> bool:
    """Run `work`, stopping it if the job is cancelled meanwhile. True if it finished."""
    task = asyncio.ensure_future(work)
    while not task.done():
        await asyncio.wait({task}, timeout=CANCEL_CHECK_SECONDS)
        if task.done():
            break
        async with services().sessions() as session:
            job = await JobRepository(session).get(job_id)
        if job is not None and job.status is JobStatus.CANCELLED:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return False
    task.result()
    return True


@DBOS.step(name="veogate.render_sample")
async def render_sample(
    job_id: str, provider_name: str, spec_json: dict[str, Any], index: int
) -> dict[str, Any]:
    """Generate one sample, store it, and return what was measured from the stored file."""
    svc = services()
    spec = JobSpec.model_validate(spec_json)
    async with svc.sessions.begin() as session:
        await JobRepository(session).add_event(
            job_id, "sample_started", {"index": index}, datetime.now(UTC)
        )
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
    async with svc.sessions.begin() as session:
        await JobRepository(session).add_event(
            job_id, "sample_stored", {"index": index}, datetime.now(UTC)
        )
    return {"ok": True, "output": output.model_dump(mode="json")}


@DBOS.step(name="veogate.finish_job")
async def finish_job(
    job_id: str, outputs: list[dict[str, Any]], warnings: list[str], billed: bool
) -> str:
    """Record success and usage; if the job was cancelled meanwhile, drop the files."""
    svc = services()
    parsed = [Output.model_validate(o) for o in outputs]
    async with svc.sessions.begin() as session:
        repo = JobRepository(session)
        recorded = await repo.record_success(job_id, parsed, datetime.now(UTC))
        if recorded:
            job = await repo.get(job_id)
            assert job is not None
            seconds = sum(o.duration_seconds for o in parsed)
            price = usage_price(svc, job.spec) if billed else 0.0
            await repo.record_usage(job_id, seconds, round(seconds * price, 6))
            for warning in warnings:
                await repo.add_warning(job_id, warning)
            await repo.add_event(job_id, "succeeded", {"outputs": len(parsed)}, datetime.now(UTC))
    if not recorded:
        for output in parsed:
            await svc.store.delete(output.storage_key)
    shutil.rmtree(svc.work_dir / job_id, ignore_errors=True)
    return JobStatus.SUCCEEDED.value if recorded else "ended-elsewhere"


@DBOS.step(name="veogate.fail_job")
async def fail_job(job_id: str, code: str, message: str, stored_keys: list[str]) -> None:
    svc = services()
    async with svc.sessions.begin() as session:
        repo = JobRepository(session)
        if await repo.record_end(job_id, JobStatus.FAILED, datetime.now(UTC), code, message):
            await repo.add_event(
                job_id, "failed", {"code": code, "message": message}, datetime.now(UTC)
            )
    for key in stored_keys:
        await svc.store.delete(key)
    shutil.rmtree(svc.work_dir / job_id, ignore_errors=True)
