"""apimart: POST /v1/videos/generations, GET /v1/tasks/{task_id} (+ POST .../cancel), and
the catalog and upload endpoints (`catalog_routes.py`).

Both contracts are served: classic by default, the current one for requests carrying
`X-APIMart-Response-Version` (`contract.py`)."""

from __future__ import annotations

import secrets
from typing import Any

from veogate.api.deps import BEARER
from veogate.api.routing import refuse_other_methods
from veogate.api.submit import CreateDialect
from veogate.dialects import base
from veogate.dialects.apimart import catalog_routes, responses, schemas, translate
from veogate.dialects.apimart.contract import REPLAYED_HEADER, asked_version
from veogate.dialects.apimart.routing import apimart_router
from veogate.dialects.status import apimart_task, estimated_seconds
from veogate.jobs.model import Job
from veogate.jobs.service import Submitted

CREATE = CreateDialect(
    schemas.DIALECT,
    schemas.ID_FORM,
    schemas.read_create,
    schemas.read_callback,
    schemas.read_warnings,
)
LANGUAGE_PARAMETER = {
    "name": "language",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": ["en", "zh", "ko", "ja"], "default": "en"},
    "description": "The language of human-readable messages.",
}


async def _created(
    submitted: Submitted, _body: dict[str, Any], exchange: base.Exchange
) -> dict[str, Any]:
    exchange.response.headers[REPLAYED_HEADER] = "false" if submitted.created else "true"
    job = submitted.job
    if asked_version(exchange.request) is None:
        return translate.submitted(job)
    estimated = await estimated_seconds(job, exchange.services)
    return translate.generation_task(job, estimated, f"req_{secrets.token_hex(12)}")


async def _task(job: Job, exchange: base.Exchange) -> dict[str, Any]:
    language = exchange.request.query_params.get("language", "en")
    return await apimart_task(job, exchange.services, language)


router = apimart_router()
refuse_other_methods(router, "/v1/videos/generations", ["POST"], translate.render_error)
base.register(
    router,
    base.JobRoutes(
        auth=BEARER,
        error_model=responses.ApimartError,
        id_param="task_id",
        create=base.Documented(["/v1/videos/generations"], responses.ApimartCreated),
        request_model=responses.CreateGeneration,
        read_create=base.json_create(CREATE),
        render_created=_created,
        status=base.Documented(
            ["/v1/tasks/{task_id}"], responses.ApimartTask, parameters=[LANGUAGE_PARAMETER]
        ),
        render_status=_task,
        cancel=base.Documented(
            ["/v1/tasks/{task_id}/cancel"], responses.ApimartTask, parameters=[LANGUAGE_PARAMETER]
        ),
    ),
)
router.include_router(catalog_routes.router)
