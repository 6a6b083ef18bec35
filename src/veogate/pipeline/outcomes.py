"""How a job's end is recorded, whichever part of the pipeline reaches it.

Each function is one unit of work inside the caller's transaction (run it through
`db.transactions.transact`); each is guarded by the job's state, so a late or repeated call never
overwrites an end that was already recorded (a cancellation, say).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.jobs.model import JobStatus, Output
from veogate.jobs.repository import JobRepository
from veogate.media.video import VideoProbe


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


async def record_success(
    session: AsyncSession,
    job_id: str,
    outputs: Sequence[Output],
    warnings: Sequence[str],
) -> bool:
    """running -> succeeded with its outputs and warnings, its reservation of credits
    settled on the seconds delivered. False if it had ended."""
    repo = JobRepository(session)
    if not await repo.record_success(job_id, outputs, datetime.now(UTC)):
        return False
    for warning in warnings:
        await repo.add_warning(job_id, warning)
    return True


async def record_failure(session: AsyncSession, job_id: str, code: str, message: str) -> bool:
    """queued/running -> failed, saying why. False if it had ended."""
    repo = JobRepository(session)
    return await repo.record_end(job_id, JobStatus.FAILED, datetime.now(UTC), code, message)


async def ended_as(session: AsyncSession, job_id: str) -> JobStatus | None:
    """The job's status now (None if it is gone)."""
    return (await JobRepository(session).status_of([job_id])).get(job_id)
