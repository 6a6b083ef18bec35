"""apimart's catalog and upload endpoints (both contracts): GET /v1/models,
GET /v1/model-schema, GET /v1/model-docs (+ the pages it links to), POST /v1/uploads/images.

Everything a client reads here is derived from the catalog (`model_schema.py`,
`model_docs.py`), so it cannot drift from what the create endpoint accepts."""

from __future__ import annotations

import time
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from pydantic import BaseModel

from veogate.api.deps import Caller, ServicesDep
from veogate.api.uploads import read_file_field
from veogate.catalog import Catalog, PublicModel
from veogate.catalog.frame_size import offered_sizes
from veogate.dialects.apimart import responses
from veogate.dialects.apimart.model_docs import DOCS_CACHE_SECONDS, model_markdown, model_page
from veogate.dialects.apimart.model_schema import OPERATION, input_schema
from veogate.dialects.apimart.routing import apimart_router
from veogate.dialects.apimart.schemas import DIALECT
from veogate.dialects.openapi import documented_responses, error_responses, request_body
from veogate.errors import InputError, InvalidRequest, NotFound
from veogate.jobs.inputs import store_image
from veogate.jobs.model import ImageInput
from veogate.jobs.uploads import sign_upload
from veogate.ledger.prices import price_sheet

router = apimart_router()


def _documented(success: type[BaseModel], *errors: int) -> dict[int | str, dict[str, Any]]:
    return documented_responses(success, responses.ApimartError, (401, *errors))


DOCS_PAGE = "/v1/model-docs/{model}"
_MARKDOWN_SUFFIX = ".md"
TEXT_MEDIA = ("text/html", "text/markdown")


def _model(catalog: Catalog, name: str | None) -> PublicModel:
    if not name:
        raise InvalidRequest("model is required", code="missing_parameter", param="model")
    model = catalog.model(name, DIALECT)
    if model is None:
        offered = ", ".join(catalog.model_names(DIALECT))
        raise NotFound(f"no model {name!r} (offered: {offered})", param="model")
    return model


def _model_entry(model: PublicModel, catalog: Catalog) -> dict[str, Any]:
    return {
        "id": model.name,
        "canonical": model.canonical,
        "object": "model",
        "type": "video",
        "owned_by": "veogate",
        "operations": [OPERATION],
        "resolutions": list(model.resolutions),
        "durations": list(model.durations),
        "aspect_ratios": list(catalog.rules.aspect_ratios),
        "sizes": offered_sizes(catalog, model.resolutions),
        "image_modes": list(model.image_modes),
        "max_reference_images": model.max_reference_images,
        "audio": model.audio,
        "pricing": price_sheet(catalog, model.canonical, model.resolutions),
    }


@router.get("/v1/models", response_model=Any, responses=_documented(responses.ModelList))
async def list_models(caller: Caller, services: ServicesDep) -> dict[str, Any]:
    catalog = services.catalog
    models = [m for m in catalog.models.values() if m.dialect == DIALECT]
    return {"object": "list", "data": [_model_entry(m, catalog) for m in models]}


@router.get(
    "/v1/model-schema", response_model=Any, responses=_documented(responses.ModelSchema, 400, 404)
)
async def model_schema(
    caller: Caller, services: ServicesDep, model: str | None = None, operation: str = OPERATION
) -> dict[str, Any]:
    found = _model(services.catalog, model)
    if operation != OPERATION:
        raise InvalidRequest(
            f"model {found.name} does not do operation {operation[:60]!r} (it does: {OPERATION})",
            code="operation_mismatch",
            param="operation",
        )
    return {
        "model": found.name,
        "operation": OPERATION,
        "input_schema": input_schema(found, services.catalog),
    }


@router.get(
    "/v1/model-docs", response_model=Any, responses=_documented(responses.ModelDocs, 400, 404)
)
async def model_docs(
    caller: Caller, services: ServicesDep, model: str | None = None
) -> dict[str, Any]:
    found = _model(services.catalog, model)
    page = services.settings.base_url + DOCS_PAGE.format(model=found.name)
    return {
        "object": "model.documentation",
        "model": found.name,
        "doc_url": page,
        "markdown_url": page + _MARKDOWN_SUFFIX,
        "markdown": model_markdown(found, services.catalog),
        "fetched_at": int(time.time()),
        "cache_ttl_seconds": DOCS_CACHE_SECONDS,
        "stale": False,
    }


@router.get(
    DOCS_PAGE,
    response_class=Response,
    responses={
        200: {
            "description": "The page, or its Markdown with a `.md` suffix",
            "content": {media: {"schema": {"type": "string"}} for media in TEXT_MEDIA},
        },
        **error_responses(responses.ApimartError, (404,)),
    },
)
async def model_docs_page(model: str, services: ServicesDep) -> Response:
    """The documentation page (HTML), or its Markdown with a `.md` suffix. Public, like
    any documentation."""
    markdown = model.endswith(_MARKDOWN_SUFFIX)
    found = _model(services.catalog, model.removesuffix(_MARKDOWN_SUFFIX) if markdown else model)
    text = model_markdown(found, services.catalog)
    headers = {"Cache-Control": f"public, max-age={DOCS_CACHE_SECONDS}"}
    if markdown:
        return PlainTextResponse(text, media_type="text/markdown; charset=utf-8", headers=headers)
    return HTMLResponse(model_page(found, text), headers=headers)


@router.post(
    "/v1/uploads/images",
    response_model=Any,
    responses=_documented(responses.ApimartUpload, 400, 413, 429),
    openapi_extra={"requestBody": request_body(responses.UploadForm, ["multipart/form-data"])},
)
async def upload_image(request: Request, caller: Caller, services: ServicesDep) -> dict[str, Any]:
    filename, data = await read_file_field(request, "file", services.settings.image_max_bytes)
    try:
        stored = await store_image(data, ImageInput(source="upload", field="file"), services)
    except InputError as exc:
        raise InvalidRequest(exc.message, code="invalid_image", param="file") from None
    link = sign_upload(stored.key, services)
    return {
        "url": link.url,
        "filename": filename,
        "content_type": stored.mime_type,
        "bytes": stored.size_bytes,
        "width": stored.width,
        "height": stored.height,
        "created_at": int(time.time()),
        "expires_at": link.expires_at,
    }
