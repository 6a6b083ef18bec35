"""Signed, expiring downloads of stored results, with HTTP Range support."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from veogate.api.deps import ServicesDep
from veogate.jobs.model import output_key

router = APIRouter(tags=["files"])


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": message, "code": "forbidden" if status == 403 else "not_found"}, status
    )


@router.get("/files/{job_id}/{name}")
async def download(job_id: str, name: str, request: Request, services: ServicesDep) -> Response:
    path = request.url.path
    query = request.query_params
    if not services.signer.verify(path, query.get("exp"), query.get("sig")):
        return _error(
            403, "this link is invalid or has expired; read the job again for a fresh one"
        )
    index, _, ext = name.partition(".")
    if not index.isdigit() or ext != "mp4":
        return _error(404, "no such file")
    local = services.store.local_path(output_key(job_id, int(index)))
    if local is None or not local.is_file():
        return _error(404, "this file is no longer kept")
    return FileResponse(
        local,
        media_type="video/mp4",
        filename=f"{job_id}-{index}.mp4",
        content_disposition_type="inline",
        headers={"Cache-Control": "private, max-age=300"},
    )
