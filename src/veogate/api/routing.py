"""Per-dialect error rendering: a route class that turns every error into that dialect's shape."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from veogate.db.transactions import is_transient
from veogate.errors import ServiceUnavailable, VeogateError

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
                except Exception as exc:
                    if is_transient(exc):
                        log.warning("database unavailable on %s: %s", request.url.path, exc)
                        busy = ServiceUnavailable("the service is busy; retry shortly")
                        return render(busy, request)
                    log.exception("unhandled error on %s %s", request.method, request.url.path)
                    return render(VeogateError("internal server error"), request)

            return handle

    return DialectRoute
