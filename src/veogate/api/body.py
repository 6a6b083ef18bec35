"""Reading a request body with a size cap, before anything parses it."""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from typing import Any

from fastapi import Request

from veogate.dialects.wire import parse_json_object
from veogate.errors import PayloadTooLarge

_LENGTH = re.compile("[0-9]{1,20}")


def capped_stream(request: Request, max_bytes: int) -> AsyncGenerator[bytes, None]:
    """The body's chunks; `PayloadTooLarge` as soon as it declares or sends more than
    `max_bytes` (for parsers that read a stream: multipart forms)."""
    declared = request.headers.get("content-length")
    if declared is not None and _LENGTH.fullmatch(declared) and int(declared) > max_bytes:
        raise PayloadTooLarge(f"request body is {declared} bytes; at most {max_bytes} are accepted")
    return _capped(request, max_bytes)


async def _capped(request: Request, max_bytes: int) -> AsyncGenerator[bytes, None]:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"request body exceeds {max_bytes} bytes")
        yield chunk


async def read_json_body(request: Request, max_bytes: int) -> dict[str, Any]:
    chunks = [chunk async for chunk in capped_stream(request, max_bytes)]
    return parse_json_object(b"".join(chunks), max_bytes)
