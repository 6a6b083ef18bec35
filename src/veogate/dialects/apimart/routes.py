"""apimart: POST /v1/videos/generations, GET /v1/tasks/{task_id} (+ POST .../cancel)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from veogate.api.deps import Caller, Creator, IdempotencyKey, LauncherDep, ServicesDep, SessionDep
from veogate.api.routing import dialect_route_class
from veogate.api.submit import CreateDialect, create_job
from veogate.api.wait import PREFER_PARAMETER, Wait
from veogate.dialects.apimart import translate
from veogate.dialects.apimart.schemas import DIALECT, ID_FORM, read_callback, read_create
from veogate.dialects.status import apimart_task
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService

CREATE = CreateDialect(DIALECT, id_form=ID_FORM, read=read_create, read_callback=read_callback)
router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["apimart"])


@router.post("/v1/videos/generations", openapi_extra=PREFER_PARAMETER)
async def create_generation(
    request: Request,
    caller: Creator,
    services: ServicesDep,
    launcher: LauncherDep,
    wait: Wait,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    job = await create_job(request, CREATE, caller, services, launcher, idempotency_key)
    return translate.submitted(await wait.settle(job, services.jobs, caller))


@router.get("/v1/tasks/{task_id}", openapi_extra=PREFER_PARAMETER)
async def get_task(
    task_id: str, caller: Caller, services: ServicesDep, wait: Wait, language: str = "en"
) -> dict[str, Any]:
    job = await wait.read(services.jobs, caller, task_id)
    return await apimart_task(job, services, language)


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
    return await apimart_task(job, services, language)
