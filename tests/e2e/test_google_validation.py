"""Every rule, as the Google dialects answer it: 400 INVALID_ARGUMENT naming the field in
Google's words (`parameters.resolution`), before anything is queued."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.images import ImageServer, encode
from tests.support.server import ServerProcess

GEMINI = "/v1beta/models/veo-3.1-generate-preview:predictLongRunning"
VERTEX = "/v1/publishers/google/models/veo-3.1-generate-001:predictLongRunning"
PNG = {"bytesBase64Encoded": base64.b64encode(encode(Image.new("RGB", (64, 36)))).decode()}


def body(parameters: dict[str, Any] | None = None, **instance: Any) -> dict[str, Any]:
    return {"instances": [{"prompt": "a fox", **instance}], "parameters": parameters or {}}


def refs(count: int) -> list[dict[str, Any]]:
    return [{"image": PNG, "referenceType": "asset"} for _ in range(count)]


CASES: list[tuple[str, dict[str, Any], str]] = [
    (
        "1080p needs 8 s",
        body({"resolution": "1080p", "durationSeconds": 4}),
        "parameters.durationSeconds",
    ),
    (
        "4k needs 8 s",
        body({"resolution": "4k", "durationSeconds": 6}),
        "parameters.durationSeconds",
    ),
    ("sampleCount 5", body({"sampleCount": 5}), "parameters.sampleCount"),
    ("sampleCount 0", body({"sampleCount": 0}), "parameters.sampleCount"),
    ("duration 5", body({"durationSeconds": 5}), "parameters.durationSeconds"),
    ("duration string", body({"durationSeconds": "8"}), "parameters.durationSeconds"),
    ("aspect 1:1", body({"aspectRatio": "1:1"}), "parameters.aspectRatio"),
    ("resolution 8k", body({"resolution": "8k"}), "parameters.resolution"),
    ("person", body({"personGeneration": "everyone"}), "parameters.personGeneration"),
    ("resize", body({"resizeMode": "stretch"}), "parameters.resizeMode"),
    ("seed negative", body({"seed": -1}), "parameters.seed"),
    ("seed too big", body({"seed": 2**32}), "parameters.seed"),
    ("audio string", body({"generateAudio": "yes"}), "parameters.generateAudio"),
    ("enhance string", body({"enhancePrompt": "no"}), "parameters.enhancePrompt"),
    ("negative number", body({"negativePrompt": 5}), "parameters.negativePrompt"),
    ("unknown parameter", body({"fps": 24}), "parameters.fps"),
    ("storageUri on Gemini", body({"storageUri": "gs://b/"}), "parameters.storageUri"),
    ("parameters not object", {"instances": [{"prompt": "x"}], "parameters": []}, "parameters"),
    ("no instances", {"parameters": {}}, "instances"),
    ("two instances", {"instances": [{"prompt": "a"}, {"prompt": "b"}]}, "instances"),
    ("no prompt", {"instances": [{}]}, "instances[0].prompt"),
    ("prompt number", body(prompt=5), "instances[0].prompt"),
    ("video extension", body(video={"uri": "https://x/v.mp4"}), "instances[0].video"),
    ("image not object", body(image="data:image/png;base64,AAAA"), "instances[0].image"),
    (
        "image not an image",
        body(image={"bytesBase64Encoded": "aGVsbG8gd29ybGQ="}),
        "instances[0].image",
    ),
    ("image bad base64", body(image={"bytesBase64Encoded": "***"}), "instances[0].image"),
    ("image gs://", body(image={"gcsUri": "gs://bucket/a.png"}), "instances[0].image.gcsUri"),
    ("image gif type", body(image={**PNG, "mimeType": "image/gif"}), "instances[0].image.mimeType"),
    ("image two sources", body(image={**PNG, "gcsUri": "https://x/a.png"}), "instances[0].image"),
    ("image unknown field", body(image={**PNG, "width": 3}), "instances[0].image.width"),
    ("last without first", body(lastFrame=PNG), "instances[0].lastFrame"),
    (
        "four references",
        body({"durationSeconds": 8}, referenceImages=refs(4)),
        "instances[0].referenceImages",
    ),
    (
        "references 9:16",
        body({"aspectRatio": "9:16"}, referenceImages=refs(1)),
        "parameters.aspectRatio",
    ),
    (
        "references 4 s",
        body({"durationSeconds": 4}, referenceImages=refs(1)),
        "parameters.durationSeconds",
    ),
    (
        "references and image",
        body(image=PNG, referenceImages=refs(1)),
        "instances[0].referenceImages",
    ),
    (
        "style reference",
        body(referenceImages=[{"image": PNG, "referenceType": "style"}]),
        "instances[0].referenceImages[0].referenceType",
    ),
    (
        "reference without image",
        body(referenceImages=[{"referenceType": "asset"}]),
        "instances[0].referenceImages[0].image",
    ),
]


@pytest.mark.parametrize(("case", "request_body", "field"), CASES, ids=[c[0] for c in CASES])
def test_gemini_rule(server: ServerProcess, case: str, request_body: Any, field: str) -> None:
    response = httpx.post(
        f"{server.url}{GEMINI}",
        json=request_body,
        headers={"x-goog-api-key": server.bootstrap_key()},
        timeout=30,
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert field in error["message"], error
    [violation] = error["details"][0]["fieldViolations"]
    assert violation["field"] == field


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"compressionQuality": 5}, "parameters.compressionQuality"),
        ({"storageUri": ["gs://b"]}, "parameters.storageUri"),
        ({"resolution": "1080p", "durationSeconds": 6}, "parameters.durationSeconds"),
    ],
)
def test_vertex_rule(server: ServerProcess, parameters: dict[str, Any], field: str) -> None:
    response = httpx.post(
        f"{server.url}{VERTEX}",
        json=body(parameters),
        headers={"Authorization": f"Bearer {server.bootstrap_key()}"},
        timeout=30,
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"]["details"][0]["fieldViolations"][0]["field"] == field


def test_unknown_model_is_404(server: ServerProcess) -> None:
    key = {"x-goog-api-key": server.bootstrap_key()}
    for path in (
        "/v1beta/models/veo-9-generate:predictLongRunning",
        # A Vertex AI id is not a Gemini API model, nor the other way round.
        "/v1beta/models/veo-3.1-generate-001:predictLongRunning",
        "/v1beta1/publishers/google/models/veo-3.1-generate-preview:predictLongRunning",
    ):
        response = httpx.post(f"{server.url}{path}", json=body(), headers=key, timeout=30)
        assert response.status_code == 404, response.text
        error = response.json()["error"]
        assert error["status"] == "NOT_FOUND"
        assert "veo-3.1" in error["message"]


def test_malformed_json_is_400(server: ServerProcess) -> None:
    response = httpx.post(
        f"{server.url}{GEMINI}",
        content=b'{"instances": [',
        headers={"x-goog-api-key": server.bootstrap_key(), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"


def test_accepted_shapes(server: ServerProcess, image_server: ImageServer) -> None:
    """Three references at 8 s 16:9, an http(s) image URI, and the SDK's upper-case enums."""
    key = {"x-goog-api-key": server.bootstrap_key()}
    for request_body in (
        body({"durationSeconds": 8}, referenceImages=refs(3)),
        body(
            {"personGeneration": "ALLOW_ALL", "resizeMode": "CROP"},
            image={"uri": image_server.url("/square.png")},
            lastFrame={"gcsUri": image_server.url("/red.png"), "mimeType": "image/png"},
        ),
    ):
        response = httpx.post(f"{server.url}{GEMINI}", json=request_body, headers=key, timeout=30)
        assert response.status_code == 200, response.text
        assert response.json()["name"].startswith("models/veo-3.1-generate-preview/operations/")
