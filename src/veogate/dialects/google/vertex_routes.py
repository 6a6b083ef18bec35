"""Vertex AI's Veo routes (`/v1beta1`, also `/v1`), as google-genai calls them in express
mode (API key, no project) and in project mode (a bearer token).

    POST {v}[/projects/{p}/locations/{l}]/publishers/google/models/{m}:predictLongRunning
         -> {"name": "projects/{p}/locations/{l}/publishers/google/models/{m}/operations/{id}"}
    POST {v}[/projects/{p}/locations/{l}]/publishers/google/models/{m}:fetchPredictOperation
         {"operationName": name} -> the operation, videos inline (or as URLs, see `videos.py`)
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from veogate.api.body import read_json_body
from veogate.api.deps import GoogleCaller, ServicesDep
from veogate.api.routing import dialect_route_class
from veogate.api.wait import PREFER_PARAMETER, Wait
from veogate.dialects.google import translate
from veogate.dialects.google.create import GoogleCreateDep
from veogate.dialects.google.names import parse_vertex_operation, vertex_operation
from veogate.dialects.google.schemas import VERTEX, vertex_options
from veogate.dialects.google.videos import vertex_operation_response
from veogate.dialects.wire import WireReader

VERSIONS = ("v1beta1", "v1")
SCOPES = ("", "/projects/{project}/locations/{location}")
MAX_FETCH_BODY = 64 * 1024
router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["vertex"])


async def predict_long_running(
    model: str, request: Request, create: GoogleCreateDep
) -> dict[str, Any]:
    job, body = await create.job(model, VERTEX)
    urls = vertex_options(body).storage_uri is not None
    scope = request.path_params
    operation = vertex_operation(
        scope.get("project"), scope.get("location"), model, job.id, urls=urls
    )
    return {"name": operation.name}


async def fetch_predict_operation(
    model: str, request: Request, caller: GoogleCaller, services: ServicesDep, wait: Wait
) -> Response:
    body = WireReader(await read_json_body(request, MAX_FETCH_BODY))
    name = body.string("operationName", required=True)
    assert name is not None
    operation = parse_vertex_operation(name)
    job = await wait.read(services.jobs, caller, operation.opid)
    return await vertex_operation_response(operation, job, services)


for _version in VERSIONS:
    for _scope in SCOPES:
        _models = f"/{_version}{_scope}/publishers/google/models/{{model}}"
        router.add_api_route(
            f"{_models}:predictLongRunning", predict_long_running, methods=["POST"]
        )
        router.add_api_route(
            f"{_models}:fetchPredictOperation",
            fetch_predict_operation,
            methods=["POST"],
            openapi_extra=PREFER_PARAMETER,
        )
