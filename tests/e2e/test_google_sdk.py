"""The official google-genai SDK, unmodified, against veogate: Vertex AI express mode
(API key), Vertex AI project mode (bearer token) and the Gemini API.

google-genai 3.x refuses `generate_videos` in Gemini API mode before sending anything,
so there the job is created with plain HTTP (as curl would) and the SDK polls it with
`operations.get` and fetches the video with `files.download`.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import types
from google.oauth2.credentials import Credentials
from PIL import Image

from tests.support.images import encode, first_and_last_frames, fitted, mean_abs_diff, quadrants
from tests.support.mp4 import decode
from tests.support.server import ServerProcess

CLOSE = 6.0
PATIENCE_SECONDS = 120.0


def until_done(get: Callable[[Any], Any], operation: Any) -> Any:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not operation.done:
        assert time.monotonic() < deadline, f"operation not done: {operation}"
        time.sleep(0.25)
        operation = get(operation)
    return operation


def express(server: ServerProcess) -> genai.Client:
    return genai.Client(
        vertexai=True,
        api_key=server.bootstrap_key(),
        http_options=types.HttpOptions(base_url=server.url),
    )


def project_mode(server: ServerProcess) -> genai.Client:
    return genai.Client(
        vertexai=True,
        project="my-project",
        location="us-central1",
        credentials=Credentials(token=server.bootstrap_key()),
        http_options=types.HttpOptions(base_url=server.url),
    )


def gemini(server: ServerProcess) -> genai.Client:
    return genai.Client(
        api_key=server.bootstrap_key(),
        http_options=types.HttpOptions(base_url=server.url, api_version="v1beta"),
    )


@pytest.mark.parametrize("make", [express, project_mode], ids=["express", "project"])
def test_vertex_text_to_video_inline_bytes(server: ServerProcess, make: Any) -> None:
    client = make(server)
    operation = client.models.generate_videos(
        model="veo-3.1-fast-generate-001",
        source=types.GenerateVideosSource(prompt="a lighthouse at dusk"),
        config=types.GenerateVideosConfig(
            duration_seconds=4, aspect_ratio="9:16", number_of_videos=2, seed=7
        ),
    )
    assert operation.name is not None
    if make is project_mode:
        assert operation.name.startswith("projects/my-project/locations/us-central1/")
    operation = until_done(client.operations.get, operation)
    assert operation.error is None, operation.error
    videos = operation.result.generated_videos
    assert len(videos) == 2
    for generated in videos:
        assert generated.video.mime_type == "video/mp4"
        decoded = decode(generated.video.video_bytes)
        assert (decoded.width, decoded.height, decoded.frames) == (720, 1280, 96)
        assert decoded.audio_codec == "aac"  # Google generates audio unless told not to


def test_vertex_image_to_video_honours_the_image(server: ServerProcess) -> None:
    image = quadrants(640, 360)
    client = express(server)
    operation = client.models.generate_videos(
        model="veo-3.1-generate-001",
        source=types.GenerateVideosSource(
            prompt="the quadrants come alive",
            image=types.Image(image_bytes=encode(image), mime_type="image/png"),
        ),
        config=types.GenerateVideosConfig(
            duration_seconds=4, resize_mode="crop", generate_audio=False
        ),
    )
    operation = until_done(client.operations.get, operation)
    video = operation.result.generated_videos[0].video.video_bytes
    first, _, count = first_and_last_frames(video)
    assert count == 96
    assert mean_abs_diff(first, fitted(image, (1280, 720), "crop")) < CLOSE
    assert decode(video).audio_codec is None


def test_vertex_storage_uri_answers_a_url_that_downloads(server: ServerProcess) -> None:
    client = project_mode(server)
    operation = client.models.generate_videos(
        model="veo-3.1-fast-generate-001",
        source=types.GenerateVideosSource(prompt="into a bucket"),
        config=types.GenerateVideosConfig(
            duration_seconds=4,
            output_gcs_uri="gs://callers-bucket/out/",
            compression_quality="LOSSLESS",
        ),
    )
    operation = until_done(client.operations.get, operation)
    video = operation.result.generated_videos[0].video
    assert video.video_bytes is None
    assert video.uri.startswith(server.url)
    decoded = decode(httpx.get(video.uri, timeout=30).content)
    assert decoded.frames == 96
    # compressionQuality is accepted, ignored, and said so on the job.
    opid = operation.name.rsplit("/", 1)[1]
    task = server.client().get(f"/v1/tasks/{opid}").json()["data"]
    assert any("compressionQuality" in warning for warning in task["warnings"])


def test_gemini_sdk_polls_and_downloads(server: ServerProcess) -> None:
    key = server.bootstrap_key()
    created = httpx.post(
        f"{server.url}/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning",
        headers={"x-goog-api-key": key},
        json={
            "instances": [{"prompt": "a paper boat"}],
            "parameters": {"durationSeconds": 4, "sampleCount": 2, "aspectRatio": "16:9"},
        },
        timeout=30,
    )
    assert created.status_code == 200, created.text
    client = gemini(server)
    operation = types.GenerateVideosOperation(name=created.json()["name"])
    operation = until_done(client.operations.get, operation)
    assert operation.error is None, operation.error
    samples = operation.result.generated_videos
    assert len(samples) == 2
    contents = set()
    for sample in samples:
        data = client.files.download(file=sample.video)
        assert sample.video.video_bytes == data
        decoded = decode(data)
        assert (decoded.width, decoded.height, decoded.frames) == (1280, 720, 96)
        contents.add(data)
    assert len(contents) == 2


def test_gemini_image_bytes_become_the_first_frame(server: ServerProcess) -> None:
    image = Image.new("RGB", (320, 180), (30, 200, 60))
    payload = base64.b64encode(encode(image, "JPEG")).decode()
    created = httpx.post(
        f"{server.url}/v1beta/models/veo-3.1-generate-preview:predictLongRunning",
        params={"key": server.bootstrap_key()},
        json={
            "instances": [
                {
                    "prompt": "green",
                    "image": {"bytesBase64Encoded": payload, "mimeType": "image/jpeg"},
                }
            ],
            "parameters": {"durationSeconds": 4},
        },
        timeout=30,
    )
    assert created.status_code == 200, created.text
    client = gemini(server)
    operation = until_done(
        client.operations.get, types.GenerateVideosOperation(name=created.json()["name"])
    )
    data = client.files.download(file=operation.result.generated_videos[0])
    first, _, _ = first_and_last_frames(data)
    expected = fitted(Image.open(io.BytesIO(encode(image, "JPEG"))), (1280, 720), "pad")
    assert mean_abs_diff(first, expected) < CLOSE
