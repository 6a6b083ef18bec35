"""Every dialect's real answers (create, status, cancel, errors, and its extra routes)
validate against the Pydantic models its routes document in `/openapi.json`: the models
forbid extra fields, so a renderer and its model cannot drift apart unnoticed."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from tests.support.images import encode, quadrants
from tests.support.server import ServerProcess
from veogate.dialects.apimart import responses as apimart
from veogate.dialects.google import responses as google
from veogate.dialects.kyy import responses as kyy
from veogate.dialects.openai import responses as openai

WAIT = {"Prefer": "wait=60"}
GEMINI = "/v1beta/models/veo-3.1-fast-generate-preview"
VERTEX = "/v1/projects/p/locations/l/publishers/google/models/veo-3.1-fast-generate-001"
GOOGLE_BODY = {"instances": [{"prompt": "a paper boat"}], "parameters": {"durationSeconds": 4}}


def valid(model: type[BaseModel], response: httpx.Response, status: int = 200) -> Any:
    """The body, after checking the status and that `model` takes it as it is."""
    assert response.status_code == status, response.text
    body = response.json()
    model.model_validate(body)
    return body


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> httpx.Client:
    return server.client()


@pytest.fixture(scope="module")
def google_client(server: ServerProcess) -> httpx.Client:
    headers = {"x-goog-api-key": server.bootstrap_key()}
    return httpx.Client(base_url=server.url, headers=headers, timeout=90)


def test_kyy(client: httpx.Client) -> None:
    body = {"model": "veo_3_1_fast", "prompt": "a kite", "unknown_extra": 1}
    created = valid(kyy.KyyVideo, client.post("/v1/veo/videos", json=body))
    done = valid(kyy.KyyVideoStatus, client.get(f"/v1/result/{created['id']}", headers=WAIT))
    assert done["status"] == "completed", done
    assert done["warnings"]  # the unknown field, named
    assert "actualDuration" in done
    other = valid(kyy.KyyVideo, client.post("/v1/veo/videos", json=body))
    cancelled = valid(kyy.KyyVideoStatus, client.post(f"/v1/veo/videos/{other['id']}/cancel"))
    assert cancelled["status"] in ("failed", "completed"), cancelled
    alias = client.get(f"/kyyReactApiServer/v1/veo/videos/{other['id']}")
    valid(kyy.KyyVideoStatus, alias)
    bad = valid(kyy.KyyError, client.post("/v1/veo/videos", json={"model": 5}), 400)
    assert bad["param"] == "model"
    valid(kyy.KyyError, client.get("/v1/result/vgen_nope"), 404)
    valid(kyy.KyyError, httpx.get(f"{client.base_url}/v1/result/x"), 401)


@pytest.mark.parametrize("version", [{}, {"X-APIMart-Response-Version": "2026-07-27"}])
def test_apimart_jobs(client: httpx.Client, version: dict[str, str]) -> None:
    body = {"model": "veo3.1-fast-official", "prompt": "a kite", "duration": 4, "extra": 1}
    created = valid(
        apimart.ApimartCreated, client.post("/v1/videos/generations", json=body, headers=version)
    )
    data = created["data"]
    task_id = data[0]["task_id"] if isinstance(data, list) else data["id"]
    done = valid(apimart.ApimartTask, client.get(f"/v1/tasks/{task_id}", headers=WAIT))
    assert done["data"]["status"] == "completed", done
    assert done["data"]["result"]["videos"]
    other = client.post("/v1/videos/generations", json=body).json()["data"][0]["task_id"]
    cancelled = valid(apimart.ApimartTask, client.post(f"/v1/tasks/{other}/cancel"))
    assert cancelled["data"]["status"] in ("cancelled", "completed"), cancelled
    bad = client.post("/v1/videos/generations", json={**body, "duration": "8"}, headers=version)
    assert valid(apimart.ApimartError, bad, 400)["error"]["param"] == "duration"
    valid(apimart.ApimartError, client.get("/v1/tasks/task_NOPE", headers=version), 404)


def test_apimart_catalog_and_uploads(client: httpx.Client) -> None:
    models = valid(apimart.ModelList, client.get("/v1/models"))
    name = models["data"][0]["id"]
    valid(apimart.ModelSchema, client.get("/v1/model-schema", params={"model": name}))
    valid(apimart.ModelDocs, client.get("/v1/model-docs", params={"model": name}))
    valid(apimart.ApimartError, client.get("/v1/model-docs", params={"model": "nope"}), 404)
    files = {"file": ("a.png", encode(quadrants(64, 36)), "image/png")}
    valid(apimart.ApimartUpload, client.post("/v1/uploads/images", files=files))


def test_openai(client: httpx.Client) -> None:
    body = {"model": "veo-3.1-fast", "prompt": "a kite", "seconds": "4"}
    created = valid(openai.OpenAIVideo, client.post("/v1/videos", json=body))
    done = valid(openai.OpenAIVideo, client.get(f"/v1/videos/{created['id']}", headers=WAIT))
    assert done["status"] == "completed", done
    listed = valid(openai.OpenAIVideoList, client.get("/v1/videos", params={"limit": 5}))
    assert listed["data"]
    other = client.post("/v1/videos", data=body).json()  # a form, as the SDK sends
    deleted = valid(openai.OpenAIVideoDeleted, client.delete(f"/v1/videos/{other['id']}"))
    assert deleted["deleted"] is True
    bad = valid(openai.OpenAIError, client.post("/v1/videos", json={**body, "size": "1x1"}), 400)
    assert bad["error"]["param"] == "size"
    valid(openai.OpenAIError, client.get(f"/v1/videos/{other['id']}"), 404)
    content = client.get(f"/v1/videos/{other['id']}/content")
    valid(openai.OpenAIError, content, 404)


def test_gemini(google_client: httpx.Client) -> None:
    create = f"{GEMINI}:predictLongRunning"
    name = valid(google.OperationName, google_client.post(create, json=GOOGLE_BODY))["name"]
    done = valid(google.GeminiOperation, google_client.get(f"/v1beta/{name}", headers=WAIT))
    assert done["done"] is True
    assert done["response"]["generateVideoResponse"]["generatedSamples"], done
    other = google_client.post(create, json=GOOGLE_BODY).json()["name"]
    valid(google.GoogleCancelled, google_client.post(f"/v1beta/{other}:cancel"))
    ended = valid(google.GeminiOperation, google_client.get(f"/v1beta/{other}"))
    assert ended["done"] is True
    bad = {**GOOGLE_BODY, "parameters": {"durationSeconds": "x"}}
    refused = valid(google.GoogleError, google_client.post(create, json=bad), 400)
    assert refused["error"]["details"], refused
    valid(google.GoogleError, google_client.get(f"{GEMINI}/operations/nope"), 404)
    valid(google.GoogleError, httpx.post(f"{google_client.base_url}{create}"), 401)


@pytest.mark.parametrize("parameters", [{}, {"storageUri": "gs://bucket/out"}])
def test_vertex(google_client: httpx.Client, parameters: dict[str, str]) -> None:
    body = {**GOOGLE_BODY, "parameters": {"durationSeconds": 4, **parameters}}
    create = google_client.post(f"{VERTEX}:predictLongRunning", json=body)
    name = valid(google.OperationName, create)["name"]
    fetch = f"{VERTEX}:fetchPredictOperation"
    done = google_client.post(fetch, json={"operationName": name}, headers=WAIT)
    operation = valid(google.VertexOperation, done)
    [video] = operation["response"]["videos"]
    if parameters:
        assert video["gcsUri"].startswith("http")
    else:
        assert base64.b64decode(video["bytesBase64Encoded"])[4:8] == b"ftyp"
    bad = google_client.post(fetch, json={"operationName": "nope"})
    valid(google.GoogleError, bad, 400)
