"""kyy: POST /v1/veo/videos, GET /v1/result/{id} (alias GET /v1/veo/videos/{id}).

Mounted at the root and under the configured prefix (default /kyyReactApiServer); the
create path is also accepted without /v1, as the original docs show it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from veogate.api.deps import Caller, Creator, IdempotencyKey, LauncherDep, ServicesDep, SessionDep
from veogate.api.routing import dialect_route_class
from veogate.api.submit import CreateDialect, create_job
from veogate.api.wait import PREFER_PARAMETER, Wait
from veogate.dialects.kyy import translate
from veogate.dialects.kyy.schemas import (
    DIALECT,
    ID_FORM,
    read_callback,
    read_create,
    read_warnings,
)
from veogate.dialects.status import kyy_status
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService

CREATE = CreateDialect(DIALECT, ID_FORM, read_create, read_callback, read_warnings)


def build_router(prefix: str) -> APIRouter:
    router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["kyy"])
    prefixes = [""] + ([prefix] if prefix else [])

    async def create_video(
        request: Request,
        caller: Creator,
        services: ServicesDep,
        launcher: LauncherDep,
        wait: Wait,
        idempotency_key: IdempotencyKey = None,
    ) -> dict[str, Any]:
        job = await create_job(request, CREATE, caller, services, launcher, idempotency_key)
        return translate.created(await wait.settle(job, services.jobs, caller))

    async def get_video(
        video_id: str, caller: Caller, services: ServicesDep, wait: Wait
    ) -> dict[str, Any]:
        job = await wait.read(services.jobs, caller, video_id)
        return await kyy_status(job, services)

    async def cancel_video(
        video_id: str,
        caller: Caller,
        services: ServicesDep,
        launcher: LauncherDep,
        session: SessionDep,
    ) -> dict[str, Any]:
        job, changed = await JobService(JobRepository(session)).cancel(caller, video_id)
        await session.commit()
        if changed:
            await launcher.cancel(job.id)
        return await kyy_status(job, services)

    for base in prefixes:
        router.add_api_route(
            f"{base}/v1/veo/videos", create_video, methods=["POST"], openapi_extra=PREFER_PARAMETER
        )
        router.add_api_route(
            f"{base}/veo/videos", create_video, methods=["POST"], include_in_schema=False
        )
        router.add_api_route(
            f"{base}/v1/result/{{video_id}}",
            get_video,
            methods=["GET"],
            openapi_extra=PREFER_PARAMETER,
        )
        router.add_api_route(
            f"{base}/v1/veo/videos/{{video_id}}",
            get_video,
            methods=["GET"],
            openapi_extra=PREFER_PARAMETER,
        )
        router.add_api_route(
            f"{base}/v1/veo/videos/{{video_id}}/cancel", cancel_video, methods=["POST"]
        )
    return router
