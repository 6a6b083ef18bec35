"""apimart: POST /v1/videos/generations, GET /v1/tasks/{task_id} (+ POST .../cancel)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request

from veogate.api.body import read_json_body
from veogate.api.deps import Caller, Creator, IdempotencyKey, LauncherDep, ServicesDep, SessionDep
from veogate.api.links import output_links
from veogate.api.routing import dialect_route_class
from veogate.api.submit import accept
from veogate.catalog import validate
from veogate.dialects.apimart import translate
from veogate.dialects.apimart.schemas import DIALECT, read_create
from veogate.jobs.model import SEED_MAX, Job
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submission, fingerprint
from veogate.wiring import Services

router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["apimart"])


@router.post("/v1/videos/generations")
async def create_generation(
    request: Request,
    caller: Creator,
    services: ServicesDep,
    launcher: LauncherDep,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    body = await read_json_body(request, services.settings.max_body_bytes)
    draft, names = read_create(body)
    spec = validate(
        draft,
        catalog=services.catalog,
        dialect=DIALECT,
        default_seed=secrets.randbelow(SEED_MAX + 1),
        names=names,
    )
    submission = Submission(
        dialect=DIALECT,
        id_prefix="task",
        upper_id=True,
        spec=spec,
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint(DIALECT, body),
    )
    return translate.submitted(await accept(services, launcher, caller, submission))


async def _task_body(
    job: Job, service: JobService, services: Services, language: str
) -> dict[str, Any]:
    fallback = services.catalog.canonical[job.spec.canonical_model].estimated_seconds
    estimated = await service.estimated_seconds(job.spec.public_model, fallback)
    links = await output_links(job, services)
    return translate.task(job, links, estimated, language)


@router.get("/v1/tasks/{task_id}")
async def get_task(
    task_id: str, caller: Caller, services: ServicesDep, session: SessionDep, language: str = "en"
) -> dict[str, Any]:
    service = JobService(JobRepository(session))
    job = await service.get(caller, task_id)
    return await _task_body(job, service, services, language)


@router.post("/v1/tasks/{task_id}/cancel")
async def cancel_task(
    task_id: str,
    caller: Caller,
    services: ServicesDep,
    launcher: LauncherDep,
    session: SessionDep,
    language: str = "en",
) -> dict[str, Any]:
    service = JobService(JobRepository(session))
    job, changed = await service.cancel(caller, task_id)
    await session.commit()
    if changed:
        await launcher.cancel(job.id)
    return await _task_body(job, service, services, language)
