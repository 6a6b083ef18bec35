"""apimart: POST /v1/videos/generations, GET /v1/tasks/{task_id} (+ POST .../cancel), and
the catalog and upload endpoints (`catalog_routes.py`).

Both contracts are served: classic by default, the current one for requests carrying
`X-APIMart-Response-Version` (`contract.py`)."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request, Response

from veogate.api.deps import Caller, Creator, IdempotencyKey, LauncherDep, ServicesDep, SessionDep
from veogate.api.routing import refuse_other_methods
from veogate.api.submit import CreateDialect, submit_job
from veogate.api.wait import PREFER_PARAMETER, Wait
from veogate.dialects.apimart import catalog_routes, schemas, translate
from veogate.dialects.apimart.contract import REPLAYED_HEADER, Contract
from veogate.dialects.apimart.routing import apimart_router
from veogate.dialects.status import apimart_task, estimated_seconds
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService

CREATE = CreateDialect(
    schemas.DIALECT,
    schemas.ID_FORM,
    schemas.read_create,
    schemas.read_callback,
    schemas.read_warnings,
)
router = apimart_router()
refuse_other_methods(router, "/v1/videos/generations", ["POST"], translate.render_error)


@router.post("/v1/videos/generations", openapi_extra=PREFER_PARAMETER)
async def create_generation(
    request: Request,
    response: Response,
    caller: Creator,
    services: ServicesDep,
    launcher: LauncherDep,
    wait: Wait,
    contract: Contract,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    submitted = await submit_job(request, CREATE, caller, services, launcher, idempotency_key)
    response.headers[REPLAYED_HEADER] = "false" if submitted.created else "true"
    job = await wait.settle(submitted.job, services.jobs, caller)
    if contract is None:
        return translate.submitted(job)
    estimated = await estimated_seconds(job, services)
    return translate.generation_task(job, estimated, f"req_{secrets.token_hex(12)}")


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


router.include_router(catalog_routes.router)
