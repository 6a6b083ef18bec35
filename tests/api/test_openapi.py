"""`/openapi.json` documents every dialect route: its answer as a model (a `$ref`; a
download as its media types), its error body as the dialect's error model, and, on a
create, its request body."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess

DIALECTS = {"kyy", "apimart", "openai", "gemini", "vertex"}
ERRORS = {
    "kyy": "KyyError",
    "apimart": "ApimartError",
    "openai": "OpenAIError",
    "gemini": "GoogleError",
    "vertex": "GoogleError",
}
CREATES = {
    ("post", "/v1/veo/videos"),
    ("post", "/kyyReactApiServer/v1/veo/videos"),
    ("post", "/v1/videos/generations"),
    ("post", "/v1/videos"),
}
BINARY = {"video/mp4", "image/webp", "image/jpeg", "text/html", "text/markdown"}

Operations = list[tuple[str, str, dict[str, Any]]]


@pytest.fixture(scope="module")
def document(server: ServerProcess) -> dict[str, Any]:
    response = httpx.get(f"{server.url}/openapi.json", timeout=30)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def operations(document: dict[str, Any]) -> Operations:
    found = [
        (method, path, operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if DIALECTS & set(operation.get("tags", ()))
    ]
    assert {tag for _, _, op in found for tag in op["tags"]} == DIALECTS
    return found


def _schemas(document: dict[str, Any], response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    content: dict[str, dict[str, Any]] = response.get("content", {})
    return {media: entry["schema"] for media, entry in content.items()}


def _model(document: dict[str, Any], schema: dict[str, Any]) -> str:
    """The component a `$ref` schema names (which must exist)."""
    ref = schema.get("$ref")
    assert isinstance(ref, str), schema
    name = ref.removeprefix("#/components/schemas/")
    assert name in document["components"]["schemas"], ref
    return name


def test_every_dialect_route_documents_its_answer(
    document: dict[str, Any], operations: Operations
) -> None:
    for method, path, operation in operations:
        where = f"{method.upper()} {path}"
        assert "200" in operation["responses"], where
        schemas = _schemas(document, operation["responses"]["200"])
        assert schemas, where
        if "application/json" in schemas:
            model = document["components"]["schemas"][_model(document, schemas["application/json"])]
            assert "properties" in model or "anyOf" in model, where
        else:
            assert set(schemas) <= BINARY, where


def test_every_dialect_route_documents_its_errors(
    document: dict[str, Any], operations: Operations
) -> None:
    for method, path, operation in operations:
        where = f"{method.upper()} {path}"
        responses = operation["responses"]
        assert "422" not in responses, where  # FastAPI's shape is never answered
        expected = ERRORS[operation["tags"][0]]
        errors = [code for code in responses if code == "default" or code.startswith("4")]
        assert "default" in errors, where
        assert "404" in errors or "401" in errors or "400" in errors, where
        for code in errors:
            schema = _schemas(document, responses[code])["application/json"]
            assert _model(document, schema) == expected, (where, code)


def test_create_routes_document_their_body(
    document: dict[str, Any], operations: Operations
) -> None:
    creates = [
        (method, path, operation)
        for method, path, operation in operations
        if (method, path) in CREATES or path.endswith(":predictLongRunning")
    ]
    assert len(creates) == len(CREATES) + 6  # Gemini: 2 versions; Vertex: 2 x 2 scopes
    for method, path, operation in creates:
        where = f"{method.upper()} {path}"
        content = operation["requestBody"]["content"]
        schema = content["application/json"]["schema"]
        assert {"model", "prompt"} <= set(schema["properties"]) or "instances" in schema[
            "properties"
        ], where
        assert "$ref" not in str(schema), where  # self-contained
        assert "200" in operation["responses"], where


def test_status_routes_document_their_path_parameters(operations: Operations) -> None:
    for method, path, operation in operations:
        declared = {p["name"] for p in operation.get("parameters", ()) if p["in"] == "path"}
        in_path = {part[1:-1].split(":")[0] for part in _braced(path)}
        assert declared == in_path, f"{method.upper()} {path}"


def _braced(path: str) -> list[str]:
    parts = []
    for chunk in path.split("{")[1:]:
        parts.append("{" + chunk.split("}")[0] + "}")
    return parts
