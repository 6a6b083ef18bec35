"""Google's Veo REST flows with plain HTTP (as curl sends them): keys in each of the three
places Google takes them, operations, file downloads with Range, cancellation, ownership,
and jobs shared with the other dialects."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest

from tests.support.mp4 import decode
from tests.support.server import ServerProcess
from tests.support.sse import events

GEMINI_MODEL = "veo-3.1-fast-generate-preview"
GEMINI_CREATE = f"/v1beta/models/{GEMINI_MODEL}:predictLongRunning"
VERTEX_MODELS = "/v1/projects/p/locations/us-central1/publishers/google/models"
FAST = {"instances": [{"prompt": "a paper boat"}], "parameters": {"durationSeconds": 4}}
SLOW = {
    "instances": [{"prompt": "a slow one"}],
    "parameters": {"durationSeconds": 8, "resolution": "1080p", "sampleCount": 4},
}


def auth(key: str, place: str) -> dict[str, Any]:
    if place == "header":
        return {"headers": {"x-goog-api-key": key}}
    if place == "query":
        return {"params": {"key": key}}
    return {"headers": {"Authorization": f"Bearer {key}"}}


def done_operation(server: ServerProcess, name: str, **how: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    while True:
        body = httpx.get(f"{server.url}/v1beta/{name}", timeout=30, **how).json()
        if body.get("done"):
            return body  # type: ignore[no-any-return]
        assert 0 <= body["metadata"]["progressPercent"] <= 100, body
        assert time.monotonic() < deadline, body
        time.sleep(0.2)


@pytest.mark.parametrize("place", ["header", "query", "bearer"])
def test_gemini_rest_flow(server: ServerProcess, place: str) -> None:
    how = auth(server.bootstrap_key(), place)
    created = httpx.post(f"{server.url}{GEMINI_CREATE}", json=FAST, timeout=30, **how)
    assert created.status_code == 200, created.text
    name = created.json()["name"]
    assert name.startswith(f"models/{GEMINI_MODEL}/operations/")
    opid = name.rsplit("/", 1)[1]
    assert opid.isalnum()
    assert opid == opid.lower()
    operation = done_operation(server, name, **how)
    response = operation["response"]
    assert response["@type"].endswith("PredictLongRunningResponse")
    [sample] = response["generateVideoResponse"]["generatedSamples"]
    uri = sample["video"]["uri"]
    assert uri.startswith(f"{server.url}/v1beta/files/")
    assert uri.endswith(":download?alt=media")
    video = httpx.get(uri, timeout=30, follow_redirects=True, **how)
    assert video.status_code == 200
    assert video.headers["content-type"] == "video/mp4"
    assert decode(video.content).frames == 96
    headers = {**how.get("headers", {}), "Range": "bytes=0-99"}
    ranged = httpx.get(uri, timeout=30, headers=headers, params=how.get("params"))
    assert ranged.status_code == 206
    assert ranged.content == video.content[:100]


def test_no_key_is_401(server: ServerProcess) -> None:
    for path in (GEMINI_CREATE, f"{VERTEX_MODELS}/veo-3.1-generate-001:predictLongRunning"):
        response = httpx.post(f"{server.url}{path}", json=FAST, timeout=30)
        assert response.status_code == 401
        error = response.json()["error"]
        assert (error["code"], error["status"]) == (401, "UNAUTHENTICATED")
    wrong = httpx.post(
        f"{server.url}{GEMINI_CREATE}", json=FAST, headers={"x-goog-api-key": "vg_nope"}
    )
    assert wrong.status_code == 401


def test_another_keys_operation_and_files_are_not_found(server: ServerProcess) -> None:
    owner = auth(server.bootstrap_key(), "header")
    name = httpx.post(f"{server.url}{GEMINI_CREATE}", json=FAST, timeout=30, **owner).json()["name"]
    operation = done_operation(server, name, **owner)
    uri = operation["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    stranger = auth(server.create_key("stranger"), "header")
    for response in (
        httpx.get(f"{server.url}/v1beta/{name}", **stranger),
        httpx.get(uri, **stranger),
        httpx.post(f"{server.url}/v1beta/{name}:cancel", **stranger),
        httpx.post(
            f"{server.url}{VERTEX_MODELS}/veo-3.1-generate-001:fetchPredictOperation",
            json={
                "operationName": f"projects/p/locations/l/publishers/google/models/m/"
                f"operations/{name.rsplit('/', 1)[1]}"
            },
            **stranger,
        ),
    ):
        assert response.status_code == 404, response.text
        assert response.json()["error"]["status"] == "NOT_FOUND"
    missing = httpx.get(f"{server.url}/v1beta/files/{'0' * 27}:download", **owner)
    assert missing.status_code == 404


def test_cancel(server: ServerProcess) -> None:
    how = auth(server.bootstrap_key(), "header")
    name = httpx.post(f"{server.url}{GEMINI_CREATE}", json=SLOW, timeout=30, **how).json()["name"]
    cancelled = httpx.post(f"{server.url}/v1beta/{name}:cancel", timeout=30, **how)
    assert cancelled.status_code == 200
    assert cancelled.json() == {}
    operation = httpx.get(f"{server.url}/v1beta/{name}", **how).json()
    assert operation["done"] is True
    assert operation["error"]["code"] == 1  # google.rpc.Code.CANCELLED


def test_a_gemini_job_is_an_apimart_task_and_a_kyy_job_an_operation(
    server: ServerProcess,
) -> None:
    key = server.bootstrap_key()
    how = auth(key, "header")
    name = httpx.post(f"{server.url}{GEMINI_CREATE}", json=FAST, timeout=30, **how).json()["name"]
    done_operation(server, name, **how)
    task = server.client().get(f"/v1/tasks/{name.rsplit('/', 1)[1]}").json()["data"]
    assert task["status"] == "completed"
    assert decode(httpx.get(task["result"]["videos"][0]["url"][0]).content).frames == 96

    kyy = (
        server.client()
        .post("/v1/veo/videos", json={"model": "veo_3_1_fast", "prompt": "from kyy"})
        .json()
    )
    ref = kyy["id"].removeprefix("vgen_")
    operation = done_operation(server, f"models/{GEMINI_MODEL}/operations/{ref}", **how)
    uri = operation["response"]["generateVideoResponse"]["generatedSamples"][0]["video"]["uri"]
    assert decode(httpx.get(uri, **how).content).frames == 192
    fetched = httpx.post(
        f"{server.url}{VERTEX_MODELS}/veo-3.1-generate-001:fetchPredictOperation",
        json={
            "operationName": f"projects/p/locations/l/publishers/google/models/m/"
            f"operations/{kyy['id']}"
        },
        timeout=60,
        **how,
    ).json()
    [video] = fetched["response"]["videos"]
    assert decode(base64.b64decode(video["bytesBase64Encoded"])).frames == 192


def test_vertex_rest_operation_name_and_fetch(server: ServerProcess) -> None:
    how = auth(server.bootstrap_key(), "bearer")
    created = httpx.post(
        f"{server.url}/v1beta1/publishers/google/models/veo-3.1-generate-001:predictLongRunning",
        json=FAST,
        timeout=30,
        **how,
    ).json()
    name = created["name"]
    assert name.startswith("projects/veogate/locations/global/publishers/google/models/")
    resource = name.rpartition("/operations/")[0]
    deadline = time.monotonic() + 120
    while True:
        body = httpx.post(
            f"{server.url}/v1beta1/{resource}:fetchPredictOperation",
            json={"operationName": name},
            timeout=60,
            **how,
        ).json()
        if body["done"]:
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert body["response"]["@type"].endswith("GenerateVideoResponse")
    assert body["response"]["raiMediaFilteredCount"] == 0
    [video] = body["response"]["videos"]
    assert video["mimeType"] == "video/mp4"
    assert decode(base64.b64decode(video["bytesBase64Encoded"])).frames == 96
    bad = httpx.post(
        f"{server.url}/v1beta1/{resource}:fetchPredictOperation",
        json={"operationName": "operations/123"},
        **how,
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["details"][0]["fieldViolations"][0]["field"] == "operationName"


def test_events_carry_the_operation_as_each_google_dialect_renders_it(
    server: ServerProcess,
) -> None:
    """Webhooks and server-sent events render a job in its own dialect: a Gemini operation
    with download URIs; a Vertex AI operation with URLs, never inline bytes."""
    how = auth(server.bootstrap_key(), "header")
    client = server.client()
    for path in (GEMINI_CREATE, f"{VERTEX_MODELS}/veo-3.1-generate-001:predictLongRunning"):
        name = httpx.post(f"{server.url}{path}", json=FAST, timeout=30, **how).json()["name"]
        opid = name.rsplit("/", 1)[1]
        with client.stream("GET", f"/v1/jobs/{opid}/events", timeout=120) as response:
            final = list(events(response))[-1]
        assert final.event == "job.succeeded"
        assert final.data is not None
        operation = final.data["data"]
        assert operation["done"] is True
        assert operation["name"].endswith(opid)  # the job ref, with no prefix or a `gcs` one
        if path == GEMINI_CREATE:
            samples = operation["response"]["generateVideoResponse"]["generatedSamples"]
            video = httpx.get(samples[0]["video"]["uri"], **how).content
        else:
            [item] = operation["response"]["videos"]
            assert "bytesBase64Encoded" not in item
            video = httpx.get(item["gcsUri"]).content
        assert decode(video).frames == 96
