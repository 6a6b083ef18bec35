"""Every key's jobs as operators see them: listed with filters, and one job with its whole
timeline. Knows no HTTP and never commits."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.jobs_repository import AdminJobRepository, JobFilter
from veogate.admin.schemas import EventView, JobDetail, JobError, JobView, OutputLink, Page
from veogate.api.links import output_links
from veogate.errors import InvalidRequest, NotFound
from veogate.ids import ref_of
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository
from veogate.wiring import Services


def job_view(job: Job) -> JobView:
    return JobView.model_validate(_summary(job))


def _summary(job: Job) -> dict[str, object]:
    error = None
    if job.error_code is not None:
        error = JobError(code=job.error_code, message=job.error_message)
    return {
        "id": job.id,
        "dialect": job.dialect,
        "model": job.spec.public_model,
        "provider": job.provider,
        "status": job.status.value,
        "progress": job.progress,
        "key": job.owner_key_id,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "deleted_at": job.deleted_at,
        "error": error,
    }


def utc(value: datetime | None) -> datetime | None:
    """A time from a query: one without a zone is taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class JobAdmin:
    def __init__(self, session: AsyncSession) -> None:
        self.jobs = JobRepository(session)
        self.admin = AdminJobRepository(session)

    async def page(self, where: JobFilter, *, cursor: str | None, limit: int) -> Page[JobView]:
        before = None
        if cursor is not None:
            before = ref_of(cursor)
            if before is None:
                raise InvalidRequest(f"cursor: not a job id: {cursor!r}", param="cursor")
        jobs, more = await self.admin.page(where, before_ref=before, limit=limit)
        next_cursor = jobs[-1].id if more and jobs else None
        return Page(data=[job_view(j) for j in jobs], next_cursor=next_cursor)

    async def detail(self, job_id: str, services: Services) -> JobDetail:
        """The job with its timeline, and a signed download link per kept output."""
        job = await self.jobs.find(job_id) or await self.jobs.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id!r}", param="id")
        events = [
            EventView(
                seq=e.seq,
                kind=e.kind,
                at=e.at,
                detail=e.detail,
                delivered_to_clients=e.delivered_to_clients,
            )
            for e in await self.admin.timeline(job.id)
        ]
        return JobDetail.model_validate(
            {
                **_summary(job),
                "spec": job.spec.model_dump(mode="json"),
                "warnings": job.warnings,
                "outputs": [o.model_dump(mode="json") for o in job.outputs],
                "usage": job.usage(),
                "upstream_operation": job.upstream_operation,
                "callback_url": job.callback_url,
                "events": events,
                "links": [
                    OutputLink(url=link.url, expires_at=link.expires_at)
                    for link in await output_links(job, services)
                ],
            }
        )
