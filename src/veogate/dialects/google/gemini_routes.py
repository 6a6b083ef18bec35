"""The Gemini API's Veo routes (`/v1beta`, also `/v1`), as google-genai and curl call them.

POST {v}/models/{model}:predictLongRunning          -> {"name": "models/{m}/operations/{id}"}
GET  {v}/models/{model}/operations/{id}             -> the operation
POST {v}/models/{model}/operations/{id}:cancel      -> {}
GET  {v}/files/{file}:download?alt=media            -> the MP4 (Range), or 302 to it
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import RedirectResponse, Response

from veogate.api.deps import GOOGLE, GoogleCaller, ServicesDep
from veogate.api.files import serve_output
from veogate.api.links import output_links
from veogate.api.routing import dialect_route_class
from veogate.dialects import base
from veogate.dialects.base import READ_ERRORS
from veogate.dialects.google import responses, translate
from veogate.dialects.google.create import create_reader
from veogate.dialects.google.names import gemini_name, parse_file_path
from veogate.dialects.google.schemas import GEMINI
from veogate.dialects.openapi import error_responses
from veogate.errors import NotFound
from veogate.jobs.model import Job, JobStatus
from veogate.jobs.service import Submitted, read_job

VERSIONS = ("v1beta", "v1")
router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["gemini"])


async def _created(
    submitted: Submitted, body: dict[str, Any], _exchange: base.Exchange
) -> dict[str, Any]:
    return {"name": gemini_name(body["model"], submitted.job.id)}


async def _operation(job: Job, exchange: base.Exchange) -> dict[str, Any]:
    model = exchange.request.path_params["model"]
    return translate.gemini_operation(model, job, exchange.services.settings.base_url)


async def _cancelled(_job: Job, _exchange: base.Exchange) -> dict[str, Any]:
    return {}


base.register(
    router,
    base.JobRoutes(
        auth=GOOGLE,
        error_model=responses.GoogleError,
        id_param="opid",
        create=base.Documented(
            [f"/{v}/models/{{model}}:predictLongRunning" for v in VERSIONS],
            responses.OperationName,
        ),
        request_model=responses.PredictLongRunning,
        read_create=create_reader(GEMINI),
        render_created=_created,
        wait_on_create=False,
        status=base.Documented(
            [f"/{v}/models/{{model}}/operations/{{opid}}" for v in VERSIONS],
            responses.GeminiOperation,
        ),
        render_status=_operation,
        cancel=base.Documented(
            [f"/{v}/models/{{model}}/operations/{{opid}}:cancel" for v in VERSIONS],
            responses.GoogleCancelled,
        ),
        render_cancelled=_cancelled,
    ),
)


async def download_file(path: str, caller: GoogleCaller, services: ServicesDep) -> Response:
    ref, index = parse_file_path(path)
    job = await read_job(services.jobs, caller, ref)
    if job.status is not JobStatus.SUCCEEDED or index not in {o.index for o in job.outputs}:
        raise NotFound(f"no file {path!r}", param="name")
    if services.store.local_path(job.outputs[0].storage_key) is not None:
        return serve_output(services, job.id, index)
    links = await output_links(job, services)  # presigned by the object store
    position = [o.index for o in job.outputs].index(index)
    if position >= len(links):
        raise NotFound("this file is no longer kept", param="name")
    return RedirectResponse(links[position].url, status_code=302)


for _version in VERSIONS:
    router.add_api_route(
        f"/{_version}/files/{{path:path}}",
        download_file,
        methods=["GET", "HEAD"],
        response_class=Response,
        responses={
            200: {
                "description": "The MP4 (Range supported), or a 302 to a signed URL",
                "content": {"video/mp4": {"schema": {"type": "string", "format": "binary"}}},
            },
            **error_responses(responses.GoogleError, READ_ERRORS),
        },
    )
