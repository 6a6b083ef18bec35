"""Per-dialect error rendering: a route class that turns every error into that dialect's shape."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute

from veogate.db.transactions import is_transient
from veogate.errors import InvalidRequest, MethodNotAllowed, ServiceUnavailable, VeogateError

log = logging.getLogger(__name__)

ErrorRenderer = Callable[[VeogateError, Request], Response]


def dialect_route_class(render: ErrorRenderer) -> type[APIRoute]:
    """A route class whose handlers answer errors with `render` (never a stack trace)."""

    class DialectRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    return await handler(request)
                except VeogateError as exc:
                    return render(exc, request)
                except RequestValidationError as exc:
                    return render(invalid_parameters(exc), request)
                except Exception as exc:
                    if is_transient(exc):
                        log.warning("database unavailable on %s: %s", request.url.path, exc)
                        busy = ServiceUnavailable("the service is busy; retry shortly")
                        return render(busy, request)
                    log.exception("unhandled error on %s %s", request.method, request.url.path)
                    return render(VeogateError("internal server error"), request)

            return handle

    return DialectRoute


def invalid_parameters(exc: RequestValidationError) -> InvalidRequest:
    """A declared parameter that did not validate (`?limit=many`), as a 400 naming it (the
    framework's own answer would be a 422 in no dialect's shape)."""
    first = exc.errors()[0] if exc.errors() else {}
    where = [str(part) for part in first.get("loc", ())[1:]]
    param = ".".join(where) or None
    message = str(first.get("msg", "invalid request"))
    return InvalidRequest(f"{param}: {message}" if param else message, param=param)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
"""The methods a route of ours may take."""


def method_not_allowed(request: Request) -> MethodNotAllowed:
    return MethodNotAllowed(
        f"{request.method} {request.url.path}: this path does not take {request.method}"
    )


def refuse_other_methods(
    router: APIRouter, path: str, allowed: Sequence[str], render: ErrorRenderer
) -> None:
    """Answer every method `path` does not take with a 405 from this router, so that a
    router included later cannot take the path for one of its own (OpenAI's
    `GET /v1/videos/{video_id}` would read apimart's `/v1/videos/generations` as an id)."""

    async def refuse(request: Request) -> Response:
        response = render(method_not_allowed(request), request)
        response.headers["Allow"] = ", ".join(allowed)
        return response

    others = [method for method in METHODS if method not in allowed]
    router.add_api_route(path, refuse, methods=others, include_in_schema=False)
