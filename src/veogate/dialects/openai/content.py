"""`GET /v1/videos/{id}/content`: a completed job's video, thumbnail or spritesheet.

Local files are served with Range support; for a video, a store that hands out its own URLs
(S3) is redirected to. Previews are made on first request and kept beside the video, and are
always answered from here: they are small, and a browser page fetching one with its key could
not follow a redirect to another origin (CORS, the page's connect-src).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

from fastapi.responses import RedirectResponse, Response

from veogate.api.files import KEPT_FILE_CACHE, file_response
from veogate.dialects.openai.schemas import ID_FORM
from veogate.errors import InvalidRequest, NotFound
from veogate.jobs.model import Job, JobStatus, Output
from veogate.media.previews import KINDS, PreviewKind, preview_key, render_preview
from veogate.wiring import Services

VARIANTS = ("video", *KINDS)
_INDEX = re.compile("[0-9]{1,3}")


async def content(job: Job, variant: str, index: str, services: Services) -> Response:
    if variant not in VARIANTS:
        raise InvalidRequest(
            f"variant must be one of {', '.join(VARIANTS)} (got {variant!r})", param="variant"
        )
    output = _output(job, index)
    name = f"{ID_FORM.render(job.id)}-{output.index}"
    if variant == "video":
        return await _serve(services, output.storage_key, "video/mp4", f"{name}.mp4")
    kind = KINDS[variant]
    key = await _kept_preview(services, output.storage_key, kind)
    filename = f"{name}.{kind.extension}"
    return await _serve(services, key, kind.media_type, filename, redirect=False)


def _output(job: Job, index: str) -> Output:
    video_id = ID_FORM.render(job.id)
    if job.status is not JobStatus.SUCCEEDED:
        raise NotFound(f"video {video_id} has no content: it is {job.status.value}", param="id")
    if job.files_expired_at is not None:
        raise NotFound(
            f"video {video_id} has no content: its files were deleted when its retention "
            "period ended",
            param="id",
        )
    if _INDEX.fullmatch(index) is None:
        raise InvalidRequest(f"index must be a whole number (got {index!r})", param="index")
    outputs = {output.index: output for output in job.outputs}
    if int(index) not in outputs:
        raise InvalidRequest(
            f"index {int(index)} is out of range: video {video_id} has {len(outputs)} "
            f"sample(s), numbered from 0",
            param="index",
        )
    return outputs[int(index)]


async def _serve(
    services: Services, key: str, media_type: str, filename: str, *, redirect: bool = True
) -> Response:
    """A kept file: from local disk with Range; from a store with URLs of its own, a
    redirect there (`redirect`) or its bytes answered from here (small previews)."""
    local = services.store.local_path(key)
    if local is not None:
        if not local.is_file():
            raise NotFound("this file is no longer kept", param="id")
        return file_response(local, media_type, filename)
    if not redirect:
        return Response(
            await services.store.get_bytes(key),
            media_type=media_type,
            headers={
                "Content-Disposition": f'inline; filename="{filename}"',
                "Cache-Control": KEPT_FILE_CACHE,
            },
        )
    direct = await services.store.download_url(key, services.settings.url_ttl_seconds)
    if direct is None:
        raise NotFound("this file is not available", param="id")
    return RedirectResponse(direct[0], status_code=307)


async def _kept_preview(services: Services, video_key: str, kind: PreviewKind) -> str:
    """The key of the video's `kind` preview, made and stored first if it is not kept yet."""
    key = preview_key(video_key, kind)
    if await services.store.exists(key):
        return key
    services.work_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=services.work_dir, prefix="preview-") as work:
        source = services.store.local_path(video_key)
        if source is None:  # a remote store: decode a local copy
            source = Path(work) / "video.mp4"
            await asyncio.to_thread(source.write_bytes, await services.store.get_bytes(video_key))
        elif not source.is_file():
            raise NotFound("this video is no longer kept", param="id")
        out = Path(work) / f"{kind.name}.{kind.extension}"
        await render_preview(source, kind, out)
        await services.store.move_file(key, out, kind.media_type)
    return key
