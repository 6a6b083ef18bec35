"""Signed, expiring downloads of stored results, with HTTP Range support.

`HEAD` answers exactly as `GET` does (status and headers, Content-Length and
Accept-Ranges included) without the body: video players probe with it. Every refusal is
rendered from the error tree: 403 for a link that is not ours or has expired, 404 for a
correctly signed link to something that is not, or is no longer, a kept file.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from veogate.api.deps import ServicesDep
from veogate.api.routing import dialect_route_class
from veogate.errors import Forbidden, NotFound, VeogateError
from veogate.ids import looks_like_id
from veogate.jobs.model import output_key
from veogate.wiring import Services

_NAME = re.compile("([0-9]{1,3})[.]mp4")


def render_error(exc: VeogateError, request: Request) -> Response:
    return JSONResponse({"error": exc.message, "code": exc.code}, exc.status_code)


router = APIRouter(tags=["files"], route_class=dialect_route_class(render_error))


@router.api_route("/files/{job_id}/{name}", methods=["GET", "HEAD"])
async def download(job_id: str, name: str, request: Request, services: ServicesDep) -> Response:
    query = request.query_params
    if not services.signer.verify(request.url.path, query.get("exp"), query.get("sig")):
        raise Forbidden("this link is invalid or has expired; read the job again for a fresh one")
    file = _NAME.fullmatch(name)
    if file is None or not looks_like_id(job_id):
        raise NotFound("no such file")
    return serve_output(services, job_id, int(file[1]))


def serve_output(services: Services, job_id: str, index: int) -> Response:
    """Output `index` of job `job_id`, from local storage (Range and HEAD answered), or 404."""
    local = services.store.local_path(output_key(job_id, index))
    if local is None or not local.is_file():
        raise NotFound("this file is no longer kept")
    return file_response(local, "video/mp4", f"{job_id}-{index}.mp4")


KEPT_FILE_CACHE = "private, max-age=300"
"""How long a client may reuse a kept file it was given (its own, not a shared cache's)."""


def file_response(path: Path, media_type: str, filename: str) -> FileResponse:
    """A kept file, served with Range support (and HEAD answered like GET)."""
    return FileResponse(
        path,
        media_type=media_type,
        filename=filename,
        content_disposition_type="inline",
        headers={"Cache-Control": KEPT_FILE_CACHE},
    )
