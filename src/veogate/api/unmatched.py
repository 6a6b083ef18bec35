"""Requests no route takes (an unknown path, a method the path does not have), answered in
the error shape of the dialect the path belongs to, never the framework's bare
`{"detail": "Not Found"}`: a client parses errors of the API it believes it is talking to.

Which dialect a path belongs to is decided by its prefix, most specific first (apimart's
`/v1/videos/generations` before OpenAI's `/v1/videos`; `/v1/models` itself is apimart's
model list, anything below it Google's `models/{model}:...`).
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from starlette.exceptions import HTTPException
from starlette.routing import Match

from veogate.admin import routing as admin
from veogate.api.routing import METHODS, ErrorRenderer, method_not_allowed
from veogate.dialects.apimart import translate as apimart
from veogate.dialects.google import translate as google
from veogate.dialects.kyy import translate as kyy
from veogate.dialects.openai import translate as openai
from veogate.errors import NotFound, VeogateError

_KYY = ("/v1/veo/", "/veo/", "/v1/result/")
_GOOGLE = (
    "/v1beta/",
    "/v1beta1/",
    "/v1/models/",
    "/v1/projects/",
    "/v1/publishers/",
    "/v1/files/",
)
_APIMART = (
    "/v1/tasks",
    "/v1/videos/generations",
    "/v1/model-schema",
    "/v1/model-docs",
    "/v1/uploads",
)
_APIMART_EXACT = ("/v1/models",)
_ADMIN = "/admin/"


def renderer_for(path: str, kyy_prefix: str) -> ErrorRenderer:
    """The error renderer of the dialect whose routes live under `path` (OpenAI's shape,
    the most widely understood, for a path of no dialect; the admin API's own)."""
    if path.startswith(_ADMIN) or path == _ADMIN.rstrip("/"):
        return admin.render_error
    if path.startswith(_KYY) or (kyy_prefix and path.startswith(f"{kyy_prefix}/")):
        return kyy.render_error
    if path.startswith(_GOOGLE):
        return google.render_error
    if path.startswith(_APIMART) or path in _APIMART_EXACT:
        return apimart.render_error
    return openai.render_error


def _methods_of(app: FastAPI, request: Request) -> list[str]:
    """Every method some route takes at this path (the framework names only the first
    route's: `/v1/videos` is two routes, POST and GET)."""
    return [
        method
        for method in METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in app.router.routes
        )
    ]


def install(app: FastAPI, kyy_prefix: str) -> None:
    async def unmatched(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        where = f"{request.method} {request.url.path}"
        error: VeogateError
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            error = method_not_allowed(request)
            headers["Allow"] = ", ".join(_methods_of(app, request))
        elif exc.status_code == 404:
            error = NotFound(f"{where}: no such route", code="unknown_route")
        else:
            error = VeogateError(str(exc.detail), code="http_error")
            error.status_code = exc.status_code
        response = renderer_for(request.url.path, kyy_prefix)(error, request)
        response.headers.update(headers)  # Allow, on a 405
        return response

    app.add_exception_handler(HTTPException, unmatched)
