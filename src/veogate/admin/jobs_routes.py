"""`/admin/v1/jobs`: every dialect's jobs, filtered; one job with its timeline."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query

from veogate.admin.jobs import JobAdmin, utc
from veogate.admin.jobs_repository import JobFilter
from veogate.admin.routing import admin_router
from veogate.admin.schemas import JobDetail, JobView, Page
from veogate.api.deps import ServicesDep, SessionDep
from veogate.jobs.model import JobStatus

router = admin_router("jobs")


@router.get("/jobs", response_model=Page[JobView])
async def list_jobs(
    session: SessionDep,
    services: ServicesDep,
    key: str | None = None,
    status: JobStatus | None = None,
    model: Annotated[str | None, Query(description="Public model name.")] = None,
    provider: Annotated[
        str | None, Query(description="A provider (all its credentials) or one credential.")
    ] = None,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(description="`next_cursor` of the page before.")] = None,
) -> Page[JobView]:
    """Newest first, deleted jobs included (their `deleted_at` says so)."""
    where = JobFilter(
        key=key,
        status=None if status is None else status.value,
        model=model,
        providers=None if provider is None else services.providers.member_names(provider),
        created_after=utc(created_after),
        created_before=utc(created_before),
    )
    return await JobAdmin(session).page(where, cursor=cursor, limit=limit)


@router.get("/jobs/{job_id}", response_model=JobDetail)
async def get_job(job_id: str, session: SessionDep, services: ServicesDep) -> JobDetail:
    """The job (any dialect's spelling of its id), with its spec, outputs, usage and every
    event and step note written for it, and signed links to its videos."""
    return await JobAdmin(session).detail(job_id, services)
