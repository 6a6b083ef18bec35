"""Image-guided generation end to end, checked on decoded pixels.

Frame 0 must be the first image fitted into the output (pad letterboxes, crop fills),
the last frame the fitted last image, and reference images appear as thumbnails.
"""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.conftest import SOLID
from tests.support.images import (
    ImageServer,
    data_uri,
    first_and_last_frames,
    fitted,
    mean_abs_diff,
    quadrants,
)
from tests.support.server import ServerProcess, wait_for
from veogate.providers.preview.layout import compute_layout

CLOSE = 6.0  # mean absolute difference on 0..255, after H.264 and yuv420p


def run_apimart(server: ServerProcess, body: dict[str, Any]) -> dict[str, Any]:
    client = server.client()
    response = client.post("/v1/videos/generations", json=body)
    assert response.status_code == 200, response.text
    task_id = response.json()["data"][0]["task_id"]
    return wait_for(
        client, f"/v1/tasks/{task_id}", lambda b: b["data"]["status"] in ("completed", "failed")
    )["data"]


def run_kyy(server: ServerProcess, body: dict[str, Any]) -> dict[str, Any]:
    client = server.client()
    response = client.post("/v1/veo/videos", json=body)
    assert response.status_code == 200, response.text
    return wait_for(
        client,
        f"/v1/result/{response.json()['id']}",
        lambda b: b["status"] in ("completed", "failed"),
    )


@pytest.mark.parametrize(
    ("aspect", "mode", "size"),
    [
        ("16:9", "pad", (1280, 720)),
        ("16:9", "crop", (1280, 720)),
        ("9:16", "pad", (720, 1280)),
        ("9:16", "crop", (720, 1280)),
    ],
)
def test_apimart_first_and_last_frames(
    server: ServerProcess, image_server: ImageServer, aspect: str, mode: str, size: tuple[int, int]
) -> None:
    first = quadrants(400, 400)
    last = Image.open(__import__("io").BytesIO(image_server.files["/tall.jpg"])).convert("RGB")
    task = run_apimart(
        server,
        {
            "model": "veo3.1-fast-official",
            "prompt": "from square to tall",
            "duration": 4,
            "aspect_ratio": aspect,
            "resize_mode": mode,
            "first_frame_image": data_uri(first),
            "last_frame_image": image_server.url("/tall.jpg"),
        },
    )
    assert task["status"] == "completed", task
    video = httpx.get(task["result"]["videos"][0]["url"][0]).content
    frame0, frame_last, count = first_and_last_frames(video)
    assert count == 96
    assert mean_abs_diff(frame0, fitted(first, size, mode)) < CLOSE
    assert mean_abs_diff(frame_last, fitted(last, size, mode)) < CLOSE
    other = "crop" if mode == "pad" else "pad"
    assert mean_abs_diff(frame0, fitted(first, size, other)) > 3 * CLOSE  # the mode mattered


def test_apimart_first_frame_only(server: ServerProcess) -> None:
    image = quadrants(640, 300)
    task = run_apimart(
        server,
        {
            "model": "veo3.1-quality-official",
            "prompt": "image to video",
            "duration": 4,
            "first_frame_image": data_uri(image, "WEBP"),
            "resize_mode": "crop",
        },
    )
    assert task["status"] == "completed", task
    frame0, frame_last, _ = first_and_last_frames(
        httpx.get(task["result"]["videos"][0]["url"][0]).content
    )
    assert mean_abs_diff(frame0, fitted(image, (1280, 720), "crop")) < CLOSE
    assert mean_abs_diff(frame_last, fitted(image, (1280, 720), "crop")) > CLOSE  # it moves on


@pytest.mark.parametrize(("aspect", "size"), [("16:9", (1280, 720)), ("9:16", (720, 1280))])
def test_kyy_first_and_last_frames(
    server: ServerProcess, image_server: ImageServer, aspect: str, size: tuple[int, int]
) -> None:
    first = quadrants(640, 300)
    last = quadrants(400, 400).rotate(90)
    result = run_kyy(
        server,
        {
            "model": "veo_3_1_fast_stable",
            "prompt": "kyy interpolation",
            "aspect_ratio": aspect,
            "first_image": image_server.url("/wide.webp"),
            "last_image": data_uri(last, "JPEG"),
        },
    )
    assert result["status"] == "completed", result
    frame0, frame_last, count = first_and_last_frames(httpx.get(result["video_url"]).content)
    assert count == 192
    assert mean_abs_diff(frame0, fitted(first, size, "pad")) < CLOSE  # kyy has no resize_mode
    assert mean_abs_diff(frame_last, fitted(last, size, "pad")) < CLOSE


def test_kyy_reference_images_appear_as_thumbnails(
    server: ServerProcess, image_server: ImageServer
) -> None:
    names = ["red", "green", "blue"]
    result = run_kyy(
        server,
        {
            "model": "veo_3_1_pro",
            "prompt": "three references",
            "image_urls": [image_server.url(f"/{n}.png") for n in names],
        },
    )
    assert result["status"] == "completed", result
    frame0, frame_last, _ = first_and_last_frames(httpx.get(result["video_url"]).content)
    layout = compute_layout(1280, 720, 3)
    for frame in (frame0, frame_last):
        for (x0, y0, x1, y1), name in zip(layout.thumbnails, names, strict=True):
            cx, cy, r = (x0 + x1) // 2, (y0 + y1) // 2, 8
            centre = frame[cy - r : cy + r, cx - r : cx + r].reshape(-1, 3).mean(axis=0)
            assert np.abs(centre - np.array(SOLID[name])).mean() < 12, (name, centre)


def test_url_inputs_are_fetched_once(server: ServerProcess, image_server: ImageServer) -> None:
    before = image_server.hits.get("/square.png", 0)
    task = run_apimart(
        server,
        {
            "model": "veo3.1-fast-official",
            "prompt": "two samples, one fetch",
            "duration": 4,
            "sample_count": 2,
            "first_frame_image": image_server.url("/square.png"),
        },
    )
    assert task["status"] == "completed", task
    assert len(task["result"]["videos"]) == 2
    assert image_server.hits["/square.png"] - before == 1


def test_unusable_url_image_fails_the_job_naming_the_field(
    server: ServerProcess, image_server: ImageServer
) -> None:
    task = run_apimart(
        server,
        {
            "model": "veo3.1-fast-official",
            "prompt": "bad image",
            "duration": 4,
            "first_frame_image": image_server.url("/not-an-image.png"),
        },
    )
    assert task["status"] == "failed"
    assert task["error"]["code"] == 400
    assert task["error"]["type"] == "invalid_request_error"
    assert "first_frame_image" in task["error"]["message"]
    zh = server.client().get(f"/v1/tasks/{task['id']}?language=zh").json()["data"]["error"]
    assert zh["message"].startswith("输入内容无法使用")


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("data:image/png;base64,%%%notbase64", "base64"),
        ("data:image/png;base64," + "R0lGODlhAQABAAAAACw=", "GIF"),
        ("data:text/html;base64,PGh0bWw+", "data:"),
    ],
)
def test_bad_inline_images_are_400_before_queueing(
    server: ServerProcess, uri: str, reason: str
) -> None:
    client = server.client()
    response = client.post(
        "/v1/videos/generations",
        json={
            "model": "veo3.1-fast-official",
            "prompt": "x",
            "first_frame_image": uri,
        },
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == "first_frame_image"
    assert "first_frame_image" in error["message"]
    kyy = client.post(
        "/v1/veo/videos", json={"model": "veo_3_1_fast", "prompt": "x", "input_reference": [uri]}
    )
    assert kyy.status_code == 400
    assert kyy.json()["param"] == "input_reference[0]"
    assert "input_reference[0]" in kyy.json()["error"]


def test_loopback_refused_without_operator_allow_list(
    fresh_server: ServerProcess, image_server: ImageServer
) -> None:
    fresh_server.env["VEOGATE_IMAGE_FETCH_ALLOWED_PORTS"] = f"[80, 443, {image_server.port}]"
    fresh_server.start()
    before = image_server.hits.get("/square.png", 0)
    task = run_apimart(
        fresh_server,
        {
            "model": "veo3.1-fast-official",
            "prompt": "ssrf attempt",
            "duration": 4,
            "first_frame_image": image_server.url("/square.png"),
        },
    )
    assert task["status"] == "failed"
    assert "first_frame_image" in task["error"]["message"]
    assert "loopback" in task["error"]["message"]
    assert image_server.hits.get("/square.png", 0) == before  # no request was made
