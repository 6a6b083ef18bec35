"""Every route of every dialect, asked with a method it does not take and with a sub-path
that does not exist, answers in that dialect's error shape (never `{"detail": ...}`)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess

METHODS = ("GET", "POST", "DELETE", "PUT", "PATCH")
_PARAMETER = re.compile(r"\{([a-z_]+)(?::path)?\}")


def kyy_shape(body: dict[str, Any], status: int) -> None:
    assert isinstance(body["error"], str)
    assert isinstance(body["code"], str)
    assert "param" in body


def apimart_shape(body: dict[str, Any], status: int) -> None:
    assert body["code"] == status
    assert {"message", "type", "code", "param"} <= body["error"].keys()


def openai_shape(body: dict[str, Any], status: int) -> None:
    assert "code" not in body
    assert {"message", "type", "code", "param"} <= body["error"].keys()
    assert body["error"]["type"] == "invalid_request_error"


def google_shape(body: dict[str, Any], status: int) -> None:
    assert body["error"]["code"] == status
    assert body["error"]["status"] in ("NOT_FOUND", "UNIMPLEMENTED")
    assert body["error"]["message"]


SHAPES: dict[str, Callable[[dict[str, Any], int], None]] = {
    "kyy": kyy_shape,
    "apimart": apimart_shape,
    "openai": openai_shape,
    "gemini": google_shape,
    "vertex": google_shape,
}


def dialect_routes(server: ServerProcess) -> list[tuple[str, str, set[str]]]:
    """(dialect, concrete path, methods) of every documented route a dialect owns, read from
    the OpenAPI document's tags (not from the code under test)."""
    document = httpx.get(f"{server.url}/openapi.json").json()
    routes = []
    for template, operations in document["paths"].items():
        tags = {tag for op in operations.values() for tag in op.get("tags", [])}
        dialect = next((tag for tag in tags if tag in SHAPES), None)
        if dialect is None:
            continue
        path = _PARAMETER.sub(
            lambda m: "veo-3.1-generate-001" if m[1] == "model" else "x1", template
        )
        routes.append((dialect, path, {method.upper() for method in operations}))
    return routes


def test_every_dialect_has_routes_in_the_document(server: ServerProcess) -> None:
    assert {dialect for dialect, _, _ in dialect_routes(server)} == set(SHAPES)


def test_a_method_the_route_does_not_take_is_405_in_its_dialect(server: ServerProcess) -> None:
    client = server.client()
    refused = 0
    for dialect, path, methods in dialect_routes(server):
        for method in METHODS:
            if method in methods:
                continue
            response = client.request(method, path)
            body = response.json()
            assert "detail" not in body, (method, path)
            if response.status_code == 404:
                # Another route of the dialect takes the path with this method, reading a
                # segment as an id (`GET .../operations/{opid}` for `.../x1:cancel`).
                SHAPES[dialect](body, 404)
                continue
            assert response.status_code == 405, (dialect, method, path, response.text)
            SHAPES[dialect](body, 405)
            allowed = set(response.headers["allow"].replace(" ", "").split(","))
            assert allowed >= methods, (method, path)
            refused += 1
    assert refused > 40


def test_an_unknown_sub_path_is_404_in_its_dialect(server: ServerProcess) -> None:
    suffix = "/x1/y2/z3"  # deeper than any route (one more segment could be an id)
    client = server.client()
    for dialect, path, methods in dialect_routes(server):
        if path.startswith(("/v1beta/files/", "/v1/files/")):
            continue  # `files/{path}` takes any sub-path (the SDK sends whole URIs)
        if path == "/v1/models":
            continue  # below it is Gemini's `/v1/models/{model}:...`, checked below
        method = "GET" if "GET" in methods else sorted(methods)[0]
        response = client.request(method, path + suffix)
        assert response.status_code == 404, (dialect, method, path + suffix, response.text)
        SHAPES[dialect](response.json(), 404)


@pytest.mark.parametrize(
    ("path", "dialect"),
    [
        ("/v1/tasks", "apimart"),
        ("/v1/videos/generations/x1", "apimart"),
        ("/v1/model-schema/x", "apimart"),
        ("/v1/videos/x1/y2/z3", "openai"),
        ("/v1beta/unknown", "gemini"),
        ("/v1/models/veo-3.1-generate-preview:unknown", "gemini"),
        ("/v1beta1/unknown", "vertex"),
        ("/v1/projects/p/unknown", "vertex"),
        ("/v1/veo/unknown", "kyy"),
        ("/kyyReactApiServer/unknown", "kyy"),
        ("/v1/unknown", "openai"),
        ("/nothing/here", "openai"),
    ],
)
def test_paths_no_route_has_are_claimed_by_their_prefix(
    server: ServerProcess, path: str, dialect: str
) -> None:
    response = server.client().get(path)
    assert response.status_code == 404
    SHAPES[dialect](response.json(), 404)
