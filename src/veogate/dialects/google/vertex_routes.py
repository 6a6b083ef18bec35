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
from veogate.api.deps import GOOGLE, GoogleCaller, ServicesDep
from veogate.api.routing import dialect_route_class
from veogate.api.wait import PREFER_PARAMETER, Wait
from veogate.dialects import base
from veogate.dialects.base import READ_ERRORS
from veogate.dialects.google import responses, translate
from veogate.dialects.google.create import create_reader
from veogate.dialects.google.names import parse_vertex_operation, vertex_operation
from veogate.dialects.google.schemas import VERTEX, vertex_options
from veogate.dialects.google.videos import vertex_operation_response
from veogate.dialects.openapi import documented_responses, path_parameters, request_body
from veogate.dialects.wire import WireReader
from veogate.jobs.service import Submitted

VERSIONS = ("v1beta1", "v1")
SCOPES = ("", "/projects/{project}/locations/{location}")
MAX_FETCH_BODY = 64 * 1024
MODELS = [f"/{v}{scope}/publishers/google/models/{{model}}" for v in VERSIONS for scope in SCOPES]
router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["vertex"])


async def _created(
    submitted: Submitted, body: dict[str, Any], exchange: base.Exchange
) -> dict[str, Any]:
    urls = vertex_options(body).storage_uri is not None
    scope = exchange.request.path_params
    operation = vertex_operation(
        scope.get("project"), scope.get("location"), body["model"], submitted.job.id, urls=urls
    )
    return {"name": operation.name}


base.register(
    router,
    base.JobRoutes(
        auth=GOOGLE,
        error_model=responses.GoogleError,
        create=base.Documented(
            [f"{models}:predictLongRunning" for models in MODELS], responses.OperationName
        ),
        request_model=responses.PredictLongRunning,
        read_create=create_reader(VERTEX),
        render_created=_created,
        wait_on_create=False,
    ),
)


async def fetch_predict_operation(
    request: Request, caller: GoogleCaller, services: ServicesDep, wait: Wait
) -> Response:
    body = WireReader(await read_json_body(request, MAX_FETCH_BODY))
    name = body.string("operationName", required=True)
    assert name is not None
    operation = parse_vertex_operation(name)
    job = await wait.read(services.jobs, caller, operation.opid)
    return await vertex_operation_response(operation, job, services)


for _models in MODELS:
    _path = f"{_models}:fetchPredictOperation"
    router.add_api_route(
        _path,
        fetch_predict_operation,
        methods=["POST"],
        responses=documented_responses(
            responses.VertexOperation, responses.GoogleError, (400, *READ_ERRORS)
        ),
        openapi_extra={
            "parameters": [*path_parameters(_path), *PREFER_PARAMETER["parameters"]],
            "requestBody": request_body(responses.FetchOperation),
        },
    )
