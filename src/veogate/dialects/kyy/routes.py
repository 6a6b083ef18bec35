"""kyy: POST /v1/veo/videos, GET /v1/result/{id} (alias GET /v1/veo/videos/{id}),
POST /v1/veo/videos/{id}/cancel.

Mounted at the root and under the configured prefix (default /kyyReactApiServer); the
create path is also accepted without /v1, as the original docs show it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from veogate.api.deps import BEARER
from veogate.api.routing import dialect_route_class
from veogate.api.submit import CreateDialect
from veogate.dialects import base
from veogate.dialects.kyy import responses, translate
from veogate.dialects.kyy.schemas import (
    DIALECT,
    ID_FORM,
    read_callback,
    read_create,
    read_warnings,
)
from veogate.dialects.status import kyy_status
from veogate.jobs.model import Job
from veogate.jobs.service import Submitted

CREATE = CreateDialect(DIALECT, ID_FORM, read_create, read_callback, read_warnings)


async def _created(
    submitted: Submitted, _body: dict[str, Any], _exchange: base.Exchange
) -> dict[str, Any]:
    return translate.created(submitted.job)


async def _status(job: Job, exchange: base.Exchange) -> dict[str, Any]:
    return await kyy_status(job, exchange.services)


def build_router(prefix: str) -> APIRouter:
    router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["kyy"])
    roots = [""] + ([prefix] if prefix else [])
    base.register(
        router,
        base.JobRoutes(
            auth=BEARER,
            error_model=responses.KyyError,
            id_param="video_id",
            create=base.Documented(
                [
                    path
                    for root in roots
                    for path in (f"{root}/v1/veo/videos", f"{root}/veo/videos")
                ],
                responses.KyyVideo,
                hidden=frozenset(f"{root}/veo/videos" for root in roots),
            ),
            request_model=responses.KyyCreateVideo,
            read_create=base.json_create(CREATE),
            render_created=_created,
            status=base.Documented(
                [
                    path
                    for root in roots
                    for path in (
                        f"{root}/v1/result/{{video_id}}",
                        f"{root}/v1/veo/videos/{{video_id}}",
                    )
                ],
                responses.KyyVideoStatus,
            ),
            render_status=_status,
            cancel=base.Documented(
                [f"{root}/v1/veo/videos/{{video_id}}/cancel" for root in roots],
                responses.KyyVideoStatus,
            ),
        ),
    )
    return router
