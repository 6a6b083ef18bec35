"""Submit, read and cancel jobs. Knows no HTTP and never commits: the boundary does."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from veogate.auth.keys import Caller
from veogate.db.tables import IdempotencyKeyRow
from veogate.errors import IdempotencyConflict, NotFound
from veogate.ids import IdForm
from veogate.jobs.idempotency_repository import IdempotencyRepository
from veogate.jobs.model import Job, JobSpec, JobStatus
from veogate.jobs.reader import JobReader
from veogate.jobs.repository import JobRepository
from veogate.jobs.rows import as_utc

IDEMPOTENCY_WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class Submission:
    """A validated create request, as the boundary hands it to the service."""

    dialect: str
    id_form: IdForm
    """How the creating dialect spells the new job's id."""
    spec: JobSpec
    idempotency_key: str | None
    request_fingerprint: str
    provider: str = ""
    """The provider (pool member) that will run it; chosen at the boundary."""
    warnings: tuple[str, ...] = ()
    callback_url: str | None = None
    """Where to send the job's terminal event (a webhook), as checked at the boundary."""


@dataclass(frozen=True)
class Submitted:
    job: Job
    created: bool


async def read_job(reader: JobReader, caller: Caller, job_id: str) -> Job:
    """The caller's job as stored now, for a status read (no session, one statement)."""
    job = await reader.get(job_id)
    return _owned(job, caller, job_id)


def _owned(job: Job | None, caller: Caller, job_id: str) -> Job:
    """Another key's job, or a deleted one, is answered exactly like a job that does not
    exist."""
    if job is None or job.owner_key_id != caller.key_id or job.deleted_at is not None:
        raise NotFound(f"no job {job_id!r}", param="id")
    return job


def fingerprint(dialect: str, body: Any) -> str:
    """A stable hash of what was asked, to tell a retried request from a different one."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{dialect}\n{canonical}".encode()).hexdigest()


class JobService:
    def __init__(self, repo: JobRepository) -> None:
        self.repo = repo
        self.keys = IdempotencyRepository(repo.session)

    async def replay(self, caller: Caller, submission: Submission) -> Job | None:
        """The job an earlier request with the same Idempotency-Key created, if any.

        Raises `IdempotencyConflict` when the key was used for a different request.
        """
        if submission.idempotency_key is None:
            return None
        row = await self.keys.get(caller.key_id, submission.idempotency_key)
        if row is None or as_utc(row.created_at) < datetime.now(UTC) - IDEMPOTENCY_WINDOW:
            return None  # an expired key is replaced when the new job is recorded
        if row.request_hash != submission.request_fingerprint:
            raise IdempotencyConflict(
                f"Idempotency-Key {submission.idempotency_key!r} was already used "
                "with a different request",
                param="Idempotency-Key",
            )
        return await self.repo.get(row.job_id)

    async def submit(self, caller: Caller, submission: Submission) -> Submitted:
        """Record a new job (or find the one its Idempotency-Key already made).

        Written with plain inserts, and the `Job` built from what was written rather than
        read back: this is the whole cost of accepting a job (`docs/performance.md`)."""
        existing = await self.replay(caller, submission)
        if existing is not None:
            return Submitted(existing, created=False)
        job = Job(
            id=submission.id_form.new(),
            owner_key_id=caller.key_id,
            dialect=submission.dialect,
            spec=submission.spec,
            provider=submission.provider,
            status=JobStatus.QUEUED,
            warnings=list(submission.warnings),
            created_at=datetime.now(UTC),
            callback_url=submission.callback_url,
        )
        await self.repo.insert(job)
        if submission.idempotency_key is not None:
            await self.keys.drop(
                caller.key_id,
                submission.idempotency_key,
                before=job.created_at - IDEMPOTENCY_WINDOW,
            )
            await self.keys.add(
                IdempotencyKeyRow(
                    owner_key_id=caller.key_id,
                    key=submission.idempotency_key,
                    request_hash=submission.request_fingerprint,
                    job_id=job.id,
                    created_at=job.created_at,
                )
            )
        return Submitted(job, created=True)

    async def get(self, caller: Caller, job_id: str) -> Job:
        """The caller's job, read in this session (for a unit of work that then writes);
        `job_id` may be any dialect's spelling of its id."""
        return _owned(await self.repo.find(job_id), caller, job_id)

    async def cancel(self, caller: Caller, job_id: str) -> tuple[Job, bool]:
        """Cancel a live job. Returns the job and whether this call cancelled it."""
        job = await self.get(caller, job_id)
        if job.status.terminal:
            return job, False
        changed = await self.repo.record_end(
            job.id, JobStatus.CANCELLED, datetime.now(UTC), "cancelled", "cancelled"
        )
        refreshed = await self.repo.get(job.id)
        assert refreshed is not None
        return refreshed, changed

    async def delete(self, caller: Caller, job_id: str) -> tuple[Job, bool]:
        """Delete the caller's job: cancelled first if it is live; its files are deleted by
        the retention sweep (`pipeline/retention.py`), which runs on every worker. Returns
        the job as it was and whether this call deleted it."""
        job = await self.get(caller, job_id)
        now = datetime.now(UTC)
        if not job.status.terminal:
            await self.repo.record_end(job.id, JobStatus.CANCELLED, now, "cancelled", "cancelled")
        deleted = await self.repo.mark_deleted(job.id, now)
        refreshed = await self.repo.get(job.id)
        assert refreshed is not None
        return refreshed, deleted
