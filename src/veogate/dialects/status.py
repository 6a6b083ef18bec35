"""A job as its own dialect answers a status read: for status routes, webhooks and events.

Each dialect registers how it renders a job; `render_status` picks by the dialect the job was
created in, so a webhook or an event carries exactly what that client reads when it polls.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
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
from veogate.dialects.openai import translate as openai
from veogate.dialects.openai.schemas import DIALECT as OPENAI
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


def openai_video(job: Job, services: Services) -> dict[str, Any]:
    width, height = services.catalog.frame_size(job.spec.resolution, job.spec.aspect_ratio)
    retention = timedelta(days=services.settings.retention_days)
    return openai.video(job, size=f"{width}x{height}", retention=retention)


async def _openai_status(job: Job, services: Services) -> dict[str, Any]:
    return openai_video(job, services)


async def estimated_seconds(job: Job, services: Services) -> int:
    """How long a job of this model is expected to take, accepted to finished."""
    fallback = services.catalog.canonical[job.spec.canonical_model].estimated_seconds
    return await _mean_seconds(services, job.spec.public_model, fallback)


async def _mean_seconds(services: Services, public_model: str, fallback: int) -> int:
    """The mean run time of the model's recent jobs (remembered a while), else `fallback`."""

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
    OPENAI: _openai_status,
}


async def render_status(job: Job, services: Services) -> dict[str, Any]:
    """The job's status body in the dialect it was created in."""
    return await _BY_DIALECT[job.dialect](job, services)
