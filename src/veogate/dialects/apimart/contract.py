"""Which apimart contract a request speaks: classic (no header) or the current one.

APIMart's own clients send `X-APIMart-Response-Version: 2026-07-27`; every response to
such a request echoes the header (errors too), and a create answers one object. Without
the header the classic shapes stay. A version veogate does not know is refused, never
answered in a shape the client did not ask for.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from veogate.errors import InvalidRequest

VERSION_HEADER = "X-APIMart-Response-Version"
CURRENT = "2026-07-27"
REPLAYED_HEADER = "Idempotency-Replayed"


def asked_version(request: Request) -> str | None:
    """The supported version the request asks for, if it asks for one (else None)."""
    value = request.headers.get(VERSION_HEADER)
    return None if value is None or value.strip() != CURRENT else CURRENT


async def read_contract(request: Request, response: Response) -> str | None:
    value = request.headers.get(VERSION_HEADER)
    if value is None:
        return None
    if value.strip() != CURRENT:
        raise InvalidRequest(
            f"{VERSION_HEADER} {value.strip()[:40]!r} is not a version veogate speaks "
            f"(supported: {CURRENT}); leave the header out for the classic responses",
            param=VERSION_HEADER,
        )
    response.headers[VERSION_HEADER] = CURRENT
    return CURRENT


Contract = Annotated[str | None, Depends(read_contract)]
"""The contract version the request asks for (None: classic); the response echoes it."""
