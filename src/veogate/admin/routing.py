"""How the admin API answers errors, and the router every admin route hangs on.

Errors are `{"error": {"code", "message", "param"}}` with the error's status, rendered from
the `VeogateError` tree; unknown `/admin/...` paths answer the same way (`api/unmatched.py`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from veogate.admin.deps import require_admin
from veogate.api.routing import dialect_route_class
from veogate.errors import VeogateError

PREFIX = "/admin/v1"


def render_error(exc: VeogateError, request: Request) -> Response:
    body = {"error": {"code": exc.code, "message": exc.message, "param": exc.param}}
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


AdminRoute = dialect_route_class(render_error)


def admin_router(tag: str) -> APIRouter:
    """A router for one area of the admin API (keys, jobs...), under `/admin/v1`."""
    return APIRouter(
        prefix=PREFIX,
        tags=[f"admin: {tag}"],
        route_class=AdminRoute,
        dependencies=[Depends(require_admin)],
    )
