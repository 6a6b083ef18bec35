"""A done Vertex AI operation's videos: inline bytes, as Google answers without a
`storageUri`, or absolute signed veogate URLs (`gcsUri`) when the create set one.

Inline bytes are streamed: the body is written as the files are read, a chunk at a time,
so answering costs veogate no more memory for a 4K video than for a 720p one. Above
`INLINE_MAX_BYTES` of video in one operation, URLs are answered instead (a client would
have to hold the whole base64 body in memory, and most JSON decoders do).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi.responses import JSONResponse, Response, StreamingResponse

from veogate.api.links import output_links
from veogate.dialects.google.names import VertexOperation
from veogate.dialects.google.translate import EXPIRED, pending, vertex_head
from veogate.jobs.model import Job
from veogate.wiring import Services

INLINE_MAX_BYTES = 128 * 1024 * 1024
"""Most video bytes one operation answers inline; larger results come back as URLs."""
_CHUNK = 3 * 64 * 1024
"""Bytes read at a time: a multiple of 3, so each chunk encodes to base64 without padding."""


async def vertex_operation_body(
    operation: VertexOperation, job: Job, services: Services
) -> dict[str, Any]:
    """The operation with its videos as URLs (also what webhooks and events carry)."""
    early = pending(operation.name, job)
    if early is not None:
        return early
    links = await output_links(job, services)
    if job.outputs and not links:
        return {"name": operation.name, "done": True, "error": EXPIRED}
    body = vertex_head(operation.name, job)
    body["response"]["videos"] = [{"gcsUri": link.url, "mimeType": "video/mp4"} for link in links]
    return body


async def vertex_operation_response(
    operation: VertexOperation, job: Job, services: Services
) -> Response:
    """The operation as `fetchPredictOperation` answers it."""
    inline = (
        not operation.urls
        and pending(operation.name, job) is None
        and job.files_expired_at is None
        and 0 < sum(output.size_bytes for output in job.outputs) <= INLINE_MAX_BYTES
    )
    if not inline or not await _all_kept(job, services):
        return JSONResponse(await vertex_operation_body(operation, job, services))
    text = json.dumps(vertex_head(operation.name, job))
    assert text.endswith("[]}}")
    return StreamingResponse(
        _inline_body(text[:-3], text[-3:], job, services), media_type="application/json"
    )


async def _all_kept(job: Job, services: Services) -> bool:
    for output in job.outputs:
        if not await services.store.exists(output.storage_key):
            return False
    return True


async def _inline_body(head: str, tail: str, job: Job, services: Services) -> AsyncIterator[bytes]:
    yield head.encode()
    for position, output in enumerate(job.outputs):
        separator = "," if position else ""
        yield f'{separator}{{"mimeType": "video/mp4", "bytesBase64Encoded": "'.encode()
        async for chunk in _base64_chunks(services, output.storage_key):
            yield chunk
        yield b'"}'
    yield tail.encode()


async def _base64_chunks(services: Services, key: str) -> AsyncIterator[bytes]:
    path = services.store.local_path(key)
    if path is None:  # an object store without files here: one object at a time
        data = await services.store.get_bytes(key)
        for start in range(0, len(data), _CHUNK):
            yield base64.b64encode(data[start : start + _CHUNK])
        return
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, _CHUNK):
            yield base64.b64encode(chunk)
    finally:
        handle.close()
