"""apimart's catalog endpoints: /v1/models, /v1/model-schema (JSON Schema 2020-12 derived
from the catalog) and /v1/model-docs with the pages it links to."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess
from veogate.catalog import load_catalog

CATALOG = load_catalog()
APIMART = [m for m in CATALOG.models.values() if m.dialect == "apimart"]


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> httpx.Client:
    return server.client()


def schema_of(client: httpx.Client, model: str) -> dict[str, Any]:
    response = client.get("/v1/model-schema", params={"model": model})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == model
    assert body["operation"] == "video_generation"
    return body["input_schema"]  # type: ignore[no-any-return]


def test_models_lists_the_apimart_catalog(client: httpx.Client) -> None:
    body = client.get("/v1/models").json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == [m.name for m in APIMART]
    for entry, model in zip(body["data"], APIMART, strict=True):
        assert entry["object"] == "model"
        assert entry["type"] == "video"
        assert entry["owned_by"] == "veogate"
        assert entry["resolutions"] == list(model.resolutions)
        assert entry["durations"] == list(model.durations)


def test_models_needs_a_key(server: ServerProcess) -> None:
    response = httpx.get(f"{server.url}/v1/models")
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


@pytest.mark.parametrize("model", APIMART, ids=[m.name for m in APIMART])
def test_schema_enums_are_the_catalogs(client: httpx.Client, model: Any) -> None:
    schema = schema_of(client, model.name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["model", "prompt"]
    props = schema["properties"]
    assert props["model"]["const"] == model.name
    assert props["duration"]["enum"] == list(model.durations)
    assert props["duration"]["default"] == max(model.durations)
    assert props["resolution"]["enum"] == list(model.resolutions)
    assert props["aspect_ratio"]["enum"] == list(CATALOG.rules.aspect_ratios)
    sizes = [f"{w}x{h}" for r in model.resolutions for w, h in CATALOG.geometry[r].values()]
    assert props["size"]["enum"] == [*CATALOG.rules.aspect_ratios, *sizes]
    assert props["sample_count"]["maximum"] == 4
    assert props["seed"]["maximum"] == 4294967295
    # No reference mode on these models: at most 2 image_urls, no "reference" anywhere.
    assert props["image_urls"]["maxItems"] == 2
    assert props["generation_type"]["enum"] == ["frame"]
    roles = props["image_with_roles"]["items"]["properties"]["role"]["enum"]
    assert roles == ["first_frame", "last_frame"]


VALID = [
    {"duration": 6, "first_frame_image": "https://example.com/a.png"},
    {"resolution": "1080p", "duration": 8, "aspect_ratio": "9:16", "n": 2},
    {"image_urls": ["data:image/png;base64,AAAA", "https://example.com/b.webp"]},
    {"size": "1920x1080", "duration": 8, "generate_audio": True},
]
INVALID = [
    {"duration": "8"},
    {"duration": 5},
    {"resolution": "4K", "duration": 4},
    {"size": "1080x1920", "duration": 6},
    {"last_frame_image": "https://example.com/a.png"},
    {"image_urls": ["https://example.com/a.png"] * 3},
    {"first_frame_image": "https://example.com/a.png", "image_urls": ["https://x.com/b.png"]},
    {"image_with_roles": [{"url": "https://example.com/a.png", "role": "reference"}]},
    {"seed": -1},
    {"prompt": ""},
]


def test_schema_agrees_with_the_server(client: httpx.Client) -> None:
    """Bodies the schema accepts are accepted by the server, and bodies it refuses are
    refused: the schema validated with a real JSON Schema implementation."""
    jsonschema = pytest.importorskip("jsonschema")
    model = "veo3.1-quality-official"
    schema = schema_of(client, model)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    base = {"model": model, "prompt": "a paper boat on a river"}
    for changes in VALID:
        body = {**base, **changes}
        assert not list(validator.iter_errors(body)), changes
        if any("data:" in str(v) for v in changes.values()):
            continue  # the placeholder bytes are no image: the schema checks the form only
        response = client.post("/v1/videos/generations", json=body)
        assert response.status_code == 200, (changes, response.text)
        client.post(f"/v1/tasks/{response.json()['data'][0]['task_id']}/cancel")
    for changes in INVALID:
        body = {**base, **changes}
        assert list(validator.iter_errors(body)), changes
        response = client.post("/v1/videos/generations", json=body)
        assert response.status_code == 400, (changes, response.text)


def test_schema_errors(client: httpx.Client) -> None:
    unknown = client.get("/v1/model-schema", params={"model": "veo_3_1_fast"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["param"] == "model"
    wrong = client.get(
        "/v1/model-schema", params={"model": "veo3.1-fast-official", "operation": "image_edit"}
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "operation_mismatch"
    assert wrong.json()["error"]["param"] == "operation"
    missing = client.get("/v1/model-schema")
    assert missing.status_code == 400
    assert missing.json()["error"]["param"] == "model"


def test_model_docs_and_pages(server: ServerProcess, client: httpx.Client) -> None:
    response = client.get("/v1/model-docs", params={"model": "veo3.1-fast-official"})
    assert response.status_code == 200, response.text
    docs = response.json()
    assert docs["object"] == "model.documentation"
    assert docs["model"] == "veo3.1-fast-official"
    assert docs["stale"] is False
    assert docs["cache_ttl_seconds"] > 0
    assert isinstance(docs["fetched_at"], int)
    markdown = docs["markdown"]
    assert markdown.startswith("# veo3.1-fast-official")
    for field in schema_of(client, "veo3.1-fast-official")["properties"]:
        assert f"| `{field}` |" in markdown
    assert "1080p and 4K require duration 8" in markdown
    assert docs["doc_url"].startswith(server.url)
    page = httpx.get(docs["doc_url"])  # documentation is public: no key
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "veo3.1-fast-official" in page.text
    raw = httpx.get(docs["markdown_url"])
    assert raw.status_code == 200
    assert raw.headers["content-type"].startswith("text/markdown")
    assert raw.text == markdown
    assert httpx.get(f"{server.url}/v1/model-docs/nope.md").status_code == 404
    assert client.get("/v1/model-docs", params={"model": "nope"}).status_code == 404
