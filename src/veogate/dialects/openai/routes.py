"""OpenAI Videos: POST/GET /v1/videos, GET/DELETE /v1/videos/{id}, GET .../content.

Any job of the caller's is a Video here, whichever dialect created it.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from veogate.api.body import capped_stream, read_json_body
from veogate.api.deps import BEARER, Caller, LauncherDep, ServicesDep, SessionDep
from veogate.api.routing import dialect_route_class
from veogate.api.submit import CreateDialect
from veogate.dialects import base
from veogate.dialects.base import READ_ERRORS
from veogate.dialects.openai import responses, translate
from veogate.dialects.openai.content import content
from veogate.dialects.openai.form import read_form
from veogate.dialects.openai.schemas import DIALECT, ID_FORM, read_create, sizes_of
from veogate.dialects.openapi import documented_responses, error_responses
from veogate.dialects.status import estimated_seconds, openai_video
from veogate.errors import InvalidRequest
from veogate.ids import ref_of
from veogate.jobs.list_repository import JobListRepository
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository
from veogate.jobs.service import JobService, Submitted, read_job
from veogate.wiring import Services

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_LIMIT = re.compile("[0-9]{1,4}")
_FORMS = {"multipart/form-data": True, "application/x-www-form-urlencoded": False}

router = APIRouter(route_class=dialect_route_class(translate.render_error), tags=["openai"])


async def _read(exchange: base.Exchange) -> tuple[dict[str, Any], CreateDialect]:
    """A JSON body, or a form body (what the SDK sends) read into the same shape."""
    request, services = exchange.request, exchange.services
    read = functools.partial(read_create, sizes=sizes_of(services.catalog))
    return await _create_body(request, services), CreateDialect(DIALECT, ID_FORM, read)


async def _create_body(request: Request, services: Services) -> dict[str, Any]:
    max_bytes = services.settings.max_body_bytes
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type in _FORMS:
        stream = capped_stream(request, max_bytes)
        return await read_form(
            request.headers, stream, multipart=_FORMS[media_type], max_bytes=max_bytes
        )
    if media_type in ("application/json", ""):
        return await read_json_body(request, max_bytes)
    raise InvalidRequest(
        f"Content-Type {media_type!r} is not accepted; send multipart/form-data or "
        "application/json",
        code="unsupported_media_type",
        param="Content-Type",
    )


async def _created(
    submitted: Submitted, _body: dict[str, Any], exchange: base.Exchange
) -> dict[str, Any]:
    return openai_video(submitted.job, exchange.services)


async def _retrieved(job: Job, exchange: base.Exchange) -> dict[str, Any]:
    services = exchange.services
    if not job.status.terminal:
        expected = await estimated_seconds(job, services)
        wait_ms = translate.poll_after_ms(job, expected, datetime.now(UTC))
        exchange.response.headers[translate.POLL_AFTER_HEADER] = str(wait_ms)
    return openai_video(job, services)


base.register(
    router,
    base.JobRoutes(
        auth=BEARER,
        error_model=responses.OpenAIError,
        id_param="video_id",
        create=base.Documented(["/v1/videos"], responses.OpenAIVideo),
        request_model=responses.OpenAICreateVideo,
        request_media_types=("multipart/form-data", "application/json"),
        read_create=_read,
        render_created=_created,
        status=base.Documented(["/v1/videos/{video_id}"], responses.OpenAIVideo),
        render_status=_retrieved,
    ),
)


@router.get(
    "/v1/videos",
    response_model=Any,
    responses=documented_responses(responses.OpenAIVideoList, responses.OpenAIError, (400, 401)),
)
async def list_videos(
    caller: Caller,
    services: ServicesDep,
    session: SessionDep,
    after: str | None = None,
    limit: str | None = None,
    order: str | None = None,
) -> dict[str, Any]:
    if order not in (None, "asc", "desc"):
        raise InvalidRequest(f"order must be asc or desc (got {order!r})", param="order")
    after_ref = None
    if after is not None and (after_ref := ref_of(after)) is None:
        raise InvalidRequest(f"after must be a video id (got {after!r})", param="after")
    jobs, has_more = await JobListRepository(session).page(
        caller.key_id, after_ref=after_ref, limit=_limit(limit), ascending=order == "asc"
    )
    videos = [openai_video(job, services) for job in jobs]
    return translate.video_list(videos, has_more=has_more)


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if _LIMIT.fullmatch(raw) is None or not 1 <= int(raw) <= MAX_LIMIT:
        raise InvalidRequest(
            f"limit must be a whole number from 1 to {MAX_LIMIT} (got {raw!r})", param="limit"
        )
    return int(raw)


@router.delete(
    "/v1/videos/{video_id}",
    response_model=Any,
    responses=documented_responses(
        responses.OpenAIVideoDeleted, responses.OpenAIError, READ_ERRORS
    ),
)
async def delete_video(
    video_id: str, caller: Caller, launcher: LauncherDep, session: SessionDep
) -> dict[str, Any]:
    """Cancel it if unfinished; its files go with the next retention sweep; then it reads
    404 in every dialect."""
    service = JobService(JobRepository(session))
    live = not (await service.get(caller, video_id)).status.terminal
    job, _ = await service.delete(caller, video_id)
    await session.commit()
    if live:
        await launcher.cancel(job.id)
    return translate.deleted(job)


@router.api_route(
    "/v1/videos/{video_id}/content",
    methods=["GET", "HEAD"],
    response_class=Response,
    responses={
        200: {
            "description": "The bytes (Range supported), or a redirect to them",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in ("video/mp4", "image/webp", "image/jpeg")
            },
        },
        **error_responses(responses.OpenAIError, (400, *READ_ERRORS)),
    },
)
async def download_content(
    video_id: str,
    caller: Caller,
    services: ServicesDep,
    variant: str = "video",
    index: str = "0",
) -> Response:
    job = await read_job(services.jobs, caller, video_id)
    return await content(job, variant, index, services)
