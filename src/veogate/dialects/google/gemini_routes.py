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

from veogate.api.deps import GoogleCaller, LauncherDep, ServicesDep
from veogate.api.files import serve_output
from veogate.api.links import output_links
from veogate.api.routing import dialect_route_class
from veogate.api.wait import PREFER_PARAMETER, Wait
from veogate.dialects.google import translate
from veogate.dialects.google.cancel import cancel_job
from veogate.dialects.google.create import GoogleCreateDep
from veogate.dialects.google.names import gemini_name, parse_file_path
from veogate.dialects.google.schemas import GEMINI
from veogate.errors import NotFound
from veogate.jobs.model import JobStatus
from veogate.jobs.service import read_job

VERSIONS = ("v1beta", "v1")
router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["gemini"])


async def predict_long_running(model: str, create: GoogleCreateDep) -> dict[str, Any]:
    job, _ = await create.job(model, GEMINI)
    return {"name": gemini_name(model, job.id)}


async def get_operation(
    model: str, opid: str, caller: GoogleCaller, services: ServicesDep, wait: Wait
) -> dict[str, Any]:
    job = await wait.read(services.jobs, caller, opid)
    return translate.gemini_operation(model, job, services.settings.base_url)


async def cancel_operation(
    model: str, opid: str, caller: GoogleCaller, services: ServicesDep, launcher: LauncherDep
) -> dict[str, Any]:
    await cancel_job(caller, opid, services, launcher)
    return {}


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
        f"/{_version}/models/{{model}}:predictLongRunning", predict_long_running, methods=["POST"]
    )
    router.add_api_route(
        f"/{_version}/models/{{model}}/operations/{{opid}}:cancel",
        cancel_operation,
        methods=["POST"],
    )
    router.add_api_route(
        f"/{_version}/models/{{model}}/operations/{{opid}}",
        get_operation,
        methods=["GET"],
        openapi_extra=PREFER_PARAMETER,
    )
    router.add_api_route(f"/{_version}/files/{{path:path}}", download_file, methods=["GET", "HEAD"])
