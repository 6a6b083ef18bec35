"""Uploaded images: reading one from a multipart request, and serving it by its signed URL.

`GET /uploads/<sha256>.<ext>?exp=...&sig=...` answers the bytes to anyone holding a valid
link until it expires (403 otherwise, 404 once the object is no longer kept).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from veogate.api.deps import ServicesDep
from veogate.api.files import render_error
from veogate.api.routing import dialect_route_class
from veogate.catalog.text import control_character
from veogate.errors import Forbidden, InvalidRequest, NotFound, PayloadTooLarge
from veogate.jobs.uploads import MEDIA_TYPES, UPLOADS_PATH, upload_key

MULTIPART_OVERHEAD = 64 * 1024
"""Bytes a multipart body may hold beyond the file itself (boundaries, part headers)."""
_LENGTH = re.compile("[0-9]{1,20}")

router = APIRouter(tags=["uploads"], route_class=dialect_route_class(render_error))


@router.api_route(UPLOADS_PATH + "{name}", methods=["GET", "HEAD"])
async def download_upload(name: str, request: Request, services: ServicesDep) -> Response:
    query = request.query_params
    if not services.signer.verify(request.url.path, query.get("exp"), query.get("sig")):
        raise Forbidden("this link is invalid or has expired; upload the image again")
    key = upload_key(name)
    if key is None or not await services.store.exists(key):
        raise NotFound("this upload is no longer kept")
    media_type = MEDIA_TYPES[name.rsplit(".", 1)[1]]
    headers = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}
    local = services.store.local_path(key)
    if local is not None:
        return FileResponse(local, media_type=media_type, headers=headers)
    return Response(await services.store.get_bytes(key), media_type=media_type, headers=headers)


async def _capped(stream: AsyncIterator[bytes], limit: int) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in stream:
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the upload is larger than {limit} bytes")
        yield chunk


async def read_file_field(request: Request, field: str, max_bytes: int) -> tuple[str, bytes]:
    """The name and bytes of the one file in multipart field `field`, at most `max_bytes`."""
    kind = request.headers.get("content-type", "")
    if not kind.lower().startswith("multipart/form-data"):
        raise InvalidRequest(
            f"send the image as multipart/form-data in the field {field} "
            f"(got Content-Type {kind[:60] or 'none'!r})",
            param=field,
        )
    limit = max_bytes + MULTIPART_OVERHEAD
    declared = request.headers.get("content-length")
    if declared is not None and _LENGTH.fullmatch(declared) and int(declared) > limit:
        raise PayloadTooLarge(f"the upload is {declared} bytes; at most {max_bytes} are accepted")
    parser = MultiPartParser(
        request.headers, _capped(request.stream(), limit), max_files=1, max_fields=16
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise InvalidRequest(
            f"the multipart body could not be read: {exc.message}", param=field
        ) from None
    try:
        upload = form.get(field)
        if not isinstance(upload, UploadFile):
            raise InvalidRequest(
                f"the multipart field {field} (a file) is required",
                code="missing_parameter",
                param=field,
            )
        data = await upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise PayloadTooLarge(f"{field} is larger than {max_bytes} bytes")
        return _file_name(upload.filename), data
    finally:
        await form.close()


def _file_name(raw: str | None) -> str:
    """The client's file name, without directories or control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    if not name or control_character(name) is not None:
        return "image"
    return name[:255]
