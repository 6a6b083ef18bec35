"""The two seed documents' requests, end to end: submit, poll, download, decode."""

from __future__ import annotations

import base64
import io

import httpx
from PIL import Image

from tests.support.mp4 import decode
from tests.support.server import ServerProcess, wait_for

KYY_SEED = {
    "model": "veo_3_1_fast",
    "prompt": "A cat dancing in the rain, cinematic style",
    "aspect_ratio": "16:9",
    "resolution": "1080p",
    "input_reference": [
        "https://example.com/reference1.jpg",
        "https://example.com/reference2.jpg",
    ],
}


def data_uri(color: tuple[int, int, int], fmt: str = "JPEG") -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), color).save(buffer, fmt)
    return f"data:image/{fmt.lower()};base64,{base64.b64encode(buffer.getvalue()).decode()}"


def kyy_done(body: dict) -> bool:
    return body["status"] in ("completed", "failed")


def test_kyy_seed_example_with_local_references(server: ServerProcess) -> None:
    client = server.client()
    body = {
        **KYY_SEED,
        "input_reference": [data_uri((200, 30, 30)), data_uri((30, 30, 200), "PNG")],
    }
    created = client.post("/kyyReactApiServer/veo/videos", json=body).json()
    assert created["status"] == "queued"
    assert created["model"] == "veo_3_1_fast"

    done = wait_for(client, f"/v1/result/{created['id']}", kyy_done)
    assert done["status"] == "completed", done
    assert done["error"] is None
    assert abs(done["actualDuration"] - 8.0) < 0.05
    assert done["video_url"].startswith(server.url + "/files/")

    video = httpx.get(done["video_url"]).content
    decoded = decode(video)
    assert (decoded.width, decoded.height) == (1920, 1080)
    assert decoded.frames == 8 * 24
    assert decoded.fps == 24
    assert decoded.codec == "h264"
    assert decoded.profile in ("High", "Main")
    assert decoded.pix_fmt == "yuv420p"
    assert decoded.audio_codec == "aac"
    assert abs(decoded.audio_seconds - 8.0) < 0.1
    assert decoded.moov_before_mdat


def test_kyy_seed_example_verbatim_fails_cleanly_offline(server: ServerProcess) -> None:
    client = server.client()
    created = client.post("/kyyReactApiServer/veo/videos", json=KYY_SEED)
    assert created.status_code == 200
    done = wait_for(client, f"/v1/result/{created.json()['id']}", kyy_done, timeout=60)
    assert done["status"] == "failed"
    assert done["video_url"] is None
    assert "input_reference[0]" in done["error"]
    assert "example.com" in done["error"]


def test_apimart_seed_scenarios(server: ServerProcess) -> None:
    client = server.client()
    basic = {
        "model": "veo3.1-fast-official",
        "prompt": "a golden retriever running on the beach, sunset, cinematic",
    }
    full = {
        **basic,
        "negative_prompt": "blurry, low quality, watermark, text",
        "duration": 4,
        "aspect_ratio": "9:16",
        "resolution": "720p",
        "seed": 12345,
        "sample_count": 2,
        "generate_audio": True,
        "person_generation": "allow_adult",
        "enhance_prompt": True,
    }
    expectations = [(basic, (1280, 720), 8, 1, False), (full, (720, 1280), 4, 2, True)]
    for request, size, seconds, samples, audio in expectations:
        response = client.post("/v1/videos/generations", json=request)
        assert response.status_code == 200, response.text
        task_id = response.json()["data"][0]["task_id"]
        task = wait_for(
            client,
            f"/v1/tasks/{task_id}?language=en",
            lambda b: b["data"]["status"] in ("completed", "failed"),
        )["data"]
        assert task["status"] == "completed", task
        assert task["progress"] == 100
        assert task["actual_time"] >= 0
        assert task["completed"] >= task["created"]
        assert isinstance(task["estimated_time"], int)
        videos = task["result"]["videos"]
        assert len(videos) == samples
        hashes = set()
        for video in videos:
            (url,) = video["url"]
            assert video["expires_at"] > task["completed"]
            data = httpx.get(url).content
            hashes.add(hash(data))
            decoded = decode(data)
            assert (decoded.width, decoded.height) == size
            assert decoded.frames == seconds * 24
            assert (decoded.audio_codec == "aac") is audio
        assert len(hashes) == samples  # each sample is its own video
