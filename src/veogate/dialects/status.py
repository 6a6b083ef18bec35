"""A job as its own dialect answers a status read: for status routes, webhooks and events.

Each dialect registers how it renders a job; `render_status` picks by the dialect the job was
created in, so a webhook or an event carries exactly what that client reads when it polls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from veogate.api.links import output_links
from veogate.db.transactions import scoped
from veogate.dialects.apimart import translate as apimart
from veogate.dialects.apimart.schemas import DIALECT as APIMART
from veogate.dialects.google import translate as google
from veogate.dialects.google.names import vertex_operation
from veogate.dialects.google.schemas import GEMINI, VERTEX
from veogate.dialects.google.videos import vertex_operation_body
from veogate.dialects.kyy import translate as kyy
from veogate.dialects.kyy.schemas import DIALECT as KYY
from veogate.jobs.model import Job
from veogate.jobs.stats_repository import JobStatsRepository
from veogate.wiring import Services

RenderStatus = Callable[[Job, Services], Awaitable[dict[str, Any]]]


async def kyy_status(job: Job, services: Services) -> dict[str, Any]:
    return kyy.status(job, await output_links(job, services))


async def apimart_task(job: Job, services: Services, language: str = "en") -> dict[str, Any]:
    estimated = await estimated_seconds(job, services)
    links = await output_links(job, services)
    return apimart.task(job, links, estimated, language)


async def estimated_seconds(job: Job, services: Services) -> int:
    """How long a job of this model takes: the mean run time of the model's recent jobs
    (remembered a while), else the catalog's estimate."""
    public_model = job.spec.public_model
    fallback = services.catalog.canonical[job.spec.canonical_model].estimated_seconds

    async def mean() -> float | None:
        async with scoped(services.sessions) as session:
            return await JobStatsRepository(session).mean_run_seconds(public_model)

    value = await services.estimates.get(public_model, mean)
    return fallback if value is None else max(1, round(value))


async def gemini_status(job: Job, services: Services) -> dict[str, Any]:
    return google.gemini_operation(job.spec.public_model, job, services.settings.base_url)


async def vertex_status(job: Job, services: Services) -> dict[str, Any]:
    """Videos as URLs, never inline: a webhook or an event is no place for megabytes."""
    operation = vertex_operation(None, None, job.spec.public_model, job.id, urls=True)
    return await vertex_operation_body(operation, job, services)


_BY_DIALECT: dict[str, RenderStatus] = {
    KYY: kyy_status,
    APIMART: apimart_task,
    GEMINI: gemini_status,
    VERTEX: vertex_status,
}


async def render_status(job: Job, services: Services) -> dict[str, Any]:
    """The job's status body in the dialect it was created in."""
    return await _BY_DIALECT[job.dialect](job, services)
