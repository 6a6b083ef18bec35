"""Between a `wire.Call` and httpx, for both clients: the request's arguments, and the
answer read back (or the error raised)."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import httpx

from veogate.client import wire
from veogate.client.errors import ConnectionFailed, VeogateError, error_from_answer

DEFAULT_URL = "http://127.0.0.1:8080"
URL_ENV, KEY_ENV = "VEOGATE_URL", "VEOGATE_API_KEY"
DEFAULT_TIMEOUT = 60.0


def base_url_of(base_url: str | None) -> str:
    return (base_url or os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")


def headers_of(api_key: str | None) -> dict[str, str]:
    key = api_key or os.environ.get(KEY_ENV)
    return {} if not key else {"Authorization": f"Bearer {key}"}


def request_arguments(call: wire.Call) -> dict[str, Any]:
    """Keyword arguments for `httpx.Client.request` / `.stream` (and their async twins)."""
    arguments: dict[str, Any] = {
        "method": call.method,
        "url": call.path,
        "params": dict(call.params),
        "headers": dict(call.headers),
    }
    if call.json is not None:
        arguments["json"] = call.json
    if call.upload is not None:
        arguments["files"] = {"file": (call.upload.filename, call.upload.content)}
    return arguments


def answer_of(call: wire.Call, response: httpx.Response) -> wire.Answer:
    """The answer of a read response, or its error raised."""
    if response.status_code >= 400:
        raise error_of(call, response)
    body = response.json() if response.content else None
    return wire.Answer(body, response.headers)


def error_of(call: wire.Call, response: httpx.Response) -> VeogateError:
    """The exception for an error response (read), its `param` in the client's words."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        body = {"error": response.text[:500] or None}
    error = error_from_answer(response.status_code, body, response.headers.get("retry-after"))
    error.param = _renamed(error.param, call.params_renamed)
    return error


def _renamed(param: str | None, names: Mapping[str, str]) -> str | None:
    return None if param is None else names.get(param, param)


def unreachable(base_url: str, error: httpx.TransportError) -> ConnectionFailed:
    return ConnectionFailed(
        f"cannot reach {base_url}: {error or type(error).__name__}", code="connection_failed"
    )
