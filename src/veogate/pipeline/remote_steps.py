"""Checkpointed steps for remote providers: submit once, poll, download each sample.

Each returns a JSON-able dict. Expected failures come back as
`{"ok": False, "retryable": ..., "retry_after": ..., "code": ..., "message": ...}` so the
workflow decides about retries (and never retries a submit that may have been accepted).
"""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dbos import DBOS

from veogate.errors import GenerationError, ProviderError
from veogate.jobs.model import JobSpec, output_key
from veogate.jobs.repository import JobRepository
from veogate.media.remux import remux_faststart
from veogate.media.video import probe
from veogate.pipeline.context import services
from veogate.pipeline.steps import stored_output
from veogate.providers.remote import (
    InputImage,
    InputImages,
    RemoteVideoProvider,
    SampleLocator,
)
from veogate.wiring import Services


def _submit_lost() -> ProviderError:
    error = ProviderError(
        "the worker stopped while submitting to the upstream, after the request was sent",
        retryable=True,
    )
    error.maybe_accepted = True
    return error


def _remote(svc: Services, provider: str) -> RemoteVideoProvider:
    """The job's provider; a job can outlive its provider's configuration (a restart
    without those credentials), which fails the job rather than crashing the step."""
    try:
        return svc.providers.remote(provider)
    except KeyError:
        raise ProviderError(
            f"provider {provider!r} is not configured on this worker", retryable=False
        ) from None


def failure(exc: GenerationError) -> dict[str, Any]:
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


@DBOS.step(name="veogate.submit_upstream")
async def submit_upstream(
    job_id: str, provider: str, spec_json: dict[str, Any], attempt: int
) -> dict[str, Any]:
    """Send the paid request at most once per attempt, even if this step runs twice.

    DBOS runs a step again when its process died before the step's result was recorded.
    So before sending, the attempt is claimed on the job row (atomically: two workers
    running the same job cannot both claim it); after the answer, the operation is
    recorded. A re-run finds the operation and returns it, or finds the attempt claimed
    without one — the request went out but its answer was lost — and fails the job
    rather than risk paying twice.
    """
    svc = services()
    spec = JobSpec.model_validate(spec_json)
    async with svc.sessions.begin() as session:
        repo = JobRepository(session)
        job = await repo.get(job_id)
        if job is not None and job.upstream_operation:
            return {"ok": True, "operation": job.upstream_operation, "now": time.time()}
        if not await repo.claim_submit(job_id, attempt):
            return failure(_submit_lost())
        await repo.add_event(job_id, "submit_sent", {"attempt": attempt}, datetime.now(UTC))
    try:
        images = await stored_inputs(spec, svc)
        operation = await _remote(svc, provider).submit(spec, images)
    except GenerationError as exc:
        return failure(exc)
    async with svc.sessions.begin() as session:
        repo = JobRepository(session)
        await repo.set_operation(job_id, operation)
        detail = {"operation": operation, "attempt": attempt}
        await repo.add_event(job_id, "submitted", detail, datetime.now(UTC))
    return {"ok": True, "operation": operation, "now": time.time()}


@DBOS.step(name="veogate.poll_upstream")
async def poll_upstream(
    job_id: str, provider: str, operation: str, expected_seconds: float
) -> dict[str, Any]:
    """One look at the operation; also moves the job's progress along."""
    svc = services()
    try:
        result = await _remote(svc, provider).poll(operation)
    except GenerationError as exc:
        return failure(exc)
    now = time.time()
    samples = [await _checkpointable(job_id, i, s, svc) for i, s in enumerate(result.samples)]
    async with svc.sessions.begin() as session:
        repo = JobRepository(session)
        job = await repo.get(job_id)
        if job is not None and not result.done:
            fraction = result.progress
            if fraction is None:
                fraction = (now - job.created_at.timestamp()) / max(1.0, expected_seconds)
            await repo.set_progress(job_id, min(95, int(fraction * 100)))
    return {
        "ok": True,
        "done": result.done,
        "now": now,
        "samples": samples,
        "filtered_count": result.filtered_count,
        "filtered_reasons": list(result.filtered_reasons),
        "error_code": result.error_code,
        "error_message": result.error_message,
    }


def upstream_key(job_id: str, index: int) -> str:
    return f"jobs/{job_id}/upstream/{index}.mp4"


async def _checkpointable(
    job_id: str, index: int, sample: SampleLocator, svc: Services
) -> dict[str, Any]:
    """A locator small enough to checkpoint: inline video bytes go to storage first."""
    if sample.inline_base64 is None:
        return {"uri": sample.uri, "mime_type": sample.mime_type}
    work = svc.work_dir / job_id
    work.mkdir(parents=True, exist_ok=True)
    staged = work / f"{index}.inline.mp4"
    try:
        await asyncio.to_thread(staged.write_bytes, base64.b64decode(sample.inline_base64))
        await svc.store.put_file(upstream_key(job_id, index), staged, sample.mime_type)
    finally:
        staged.unlink(missing_ok=True)
    return {"stored_key": upstream_key(job_id, index), "mime_type": sample.mime_type}


async def _fetch_sample(
    provider: str, sample: dict[str, Any], destination: Path, svc: Services
) -> None:
    stored = sample.get("stored_key")
    if stored is None:
        await _remote(svc, provider).download(SampleLocator(**sample), destination)
        return
    try:
        await asyncio.to_thread(destination.write_bytes, await svc.store.get_bytes(stored))
    except FileNotFoundError as exc:
        raise ProviderError(f"the staged upstream video {stored} is gone", retryable=False) from exc


@DBOS.step(name="veogate.download_sample")
async def download_sample(
    job_id: str, provider: str, sample: dict[str, Any], index: int, attempt: int
) -> dict[str, Any]:
    """Fetch one finished sample, remux it with faststart (no re-encode) and store it."""
    svc = services()
    work = svc.work_dir / job_id
    work.mkdir(parents=True, exist_ok=True)
    raw, ready = work / f"{index}.upstream.mp4", work / f"{index}.mp4"
    try:
        await _fetch_sample(provider, sample, raw, svc)
        try:
            await asyncio.to_thread(remux_faststart, raw, ready)
            info = await asyncio.to_thread(probe, ready)
        except ValueError as exc:
            raise ProviderError(f"sample {index} is not a usable MP4: {exc}") from exc
        key = output_key(job_id, index)
        await svc.store.put_file(key, ready, "video/mp4")
        if sample.get("stored_key"):
            await svc.store.delete(sample["stored_key"])
    except GenerationError as exc:
        return failure(exc)
    finally:
        raw.unlink(missing_ok=True)
        ready.unlink(missing_ok=True)
    output = stored_output(index, key, info)
    async with svc.sessions.begin() as session:
        await JobRepository(session).add_event(
            job_id, "sample_stored", {"index": index, "attempt": attempt}, datetime.now(UTC)
        )
    return {"ok": True, "output": output.model_dump(mode="json")}
