"""Reading a request body with a size cap, before anything parses it."""

from __future__ import annotations

import re
from typing import Any

from fastapi import Request

from veogate.dialects.wire import parse_json_object
from veogate.errors import PayloadTooLarge

_LENGTH = re.compile("[0-9]{1,20}")


async def read_json_body(request: Request, max_bytes: int) -> dict[str, Any]:
    declared = request.headers.get("content-length")
    if declared is not None and _LENGTH.fullmatch(declared) and int(declared) > max_bytes:
        raise PayloadTooLarge(f"request body is {declared} bytes; at most {max_bytes} are accepted")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"request body exceeds {max_bytes} bytes")
        chunks.append(chunk)
    return parse_json_object(b"".join(chunks), max_bytes)
