"""The official `openai` SDK, unmodified, against a real veogate process over HTTP."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import av
import httpx
import numpy as np
import openai
import pytest
from openai import OpenAI
from openai.types import Video
from PIL import Image

from tests.support.images import data_uri, encode, fitted, mean_abs_diff, quadrants
from tests.support.mp4 import decode
from tests.support.server import ServerProcess, wait_for
from veogate.media.previews import SPRITE_COLUMNS, SPRITE_ROWS

CLOSE = 6.0  # mean absolute difference on 0..255, after H.264 and yuv420p
PREVIEW_CLOSE = 8.0  # the same, after WebP/JPEG on top


def sdk(server: ServerProcess, key: str | None = None) -> OpenAI:
    return OpenAI(base_url=f"{server.url}/v1", api_key=key or server.bootstrap_key(), max_retries=0)


@pytest.fixture(scope="module")
def portrait(server: ServerProcess) -> Video:
    """A text-mode 4-second portrait video, made through `create_and_poll`."""
    video = sdk(server).videos.create_and_poll(
        model="veo-3.1-fast",
        prompt="a lighthouse at dusk",
        seconds="4",
        size="720x1280",
        extra_body={"seed": 7},
    )
    assert video.status == "completed", video
    return video


def frames_rgb(mp4: bytes) -> Iterator[np.ndarray]:
    with av.open(io.BytesIO(mp4)) as container:
        for frame in container.decode(video=0):
            yield frame.to_ndarray(format="rgb24").astype(np.float32)


def test_text_mode_completes_with_the_asked_geometry(
    server: ServerProcess, portrait: Video
) -> None:
    assert portrait.id.startswith("video_")
    assert (portrait.model, portrait.seconds, portrait.size) == ("veo-3.1-fast", "4", "720x1280")
    assert portrait.progress == 100
    assert portrait.error is None
    assert portrait.completed_at is not None
    assert portrait.completed_at >= portrait.created_at
    assert portrait.expires_at is not None
    assert portrait.expires_at > portrait.completed_at
    content = sdk(server).videos.download_content(portrait.id)
    assert content.response.headers["content-type"] == "video/mp4"
    decoded = decode(content.content)
    assert (decoded.width, decoded.height, decoded.frames) == (720, 1280, 96)
    assert decoded.moov_before_mdat


def test_write_to_file(server: ServerProcess, portrait: Video, tmp_path: Path) -> None:
    path = tmp_path / "out.mp4"
    sdk(server).videos.download_content(portrait.id).write_to_file(path)
    assert decode(path.read_bytes()).frames == 96


def test_thumbnail_is_the_middle_frame_and_is_kept(server: ServerProcess, portrait: Video) -> None:
    client = sdk(server)
    thumbnail = client.videos.download_content(portrait.id, variant="thumbnail")
    assert thumbnail.response.headers["content-type"] == "image/webp"
    image = Image.open(io.BytesIO(thumbnail.content))
    assert (image.format, image.size) == ("WEBP", (720, 1280))
    frames = list(frames_rgb(client.videos.download_content(portrait.id).content))
    shown = np.asarray(image.convert("RGB"), dtype=np.float32)
    middle = mean_abs_diff(shown, frames[48])
    assert middle < PREVIEW_CLOSE
    assert mean_abs_diff(shown, frames[0]) > middle  # the frames differ: it is the middle one
    ref = portrait.id.removeprefix("video_")
    kept = list((server.data_dir / "objects" / "jobs").glob(f"*{ref}/0.mp4.thumbnail.webp"))
    assert len(kept) == 1
    made = kept[0].stat().st_mtime_ns
    again = client.videos.download_content(portrait.id, variant="thumbnail")
    assert again.content == thumbnail.content
    assert kept[0].stat().st_mtime_ns == made  # served from storage, not decoded again


def test_spritesheet_is_a_grid_of_frames(server: ServerProcess, portrait: Video) -> None:
    client = sdk(server)
    sheet = client.videos.download_content(portrait.id, variant="spritesheet")
    assert sheet.response.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(sheet.content))
    assert image.format == "JPEG"
    tile_w, tile_h = image.width // SPRITE_COLUMNS, image.height // SPRITE_ROWS
    assert (tile_w, tile_h) == (180, 320)  # the video's proportions, longer side 320
    frames = list(frames_rgb(client.videos.download_content(portrait.id).content))
    first_tile = image.crop((0, 0, tile_w, tile_h)).convert("RGB")
    # Tile 0 is the frame at (0.5 / 16) of the 4 seconds: frame 3 of 96.
    expected = Image.fromarray(frames[3].astype(np.uint8)).resize((tile_w, tile_h))
    assert mean_abs_diff(np.asarray(first_tile, np.float32), np.asarray(expected, np.float32)) < (
        2 * PREVIEW_CLOSE
    )


def test_content_supports_range(server: ServerProcess, portrait: Video) -> None:
    client = server.client()
    whole = client.get(f"/v1/videos/{portrait.id}/content")
    assert whole.headers["accept-ranges"] == "bytes"
    part = client.get(f"/v1/videos/{portrait.id}/content", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["content-range"] == f"bytes 100-199/{len(whole.content)}"
    assert part.content == whole.content[100:200]


def test_first_frame_from_an_uploaded_file(server: ServerProcess) -> None:
    image = quadrants(640, 300)
    video = sdk(server).videos.create_and_poll(
        model="veo-3.1",
        prompt="the uploaded image comes alive",
        seconds="4",
        input_reference=("frame.png", encode(image), "image/png"),
    )
    assert video.status == "completed", video
    frames = frames_rgb(sdk(server).videos.download_content(video.id).content)
    first = next(frames)
    assert mean_abs_diff(first, fitted(image, (1280, 720), "pad")) < CLOSE
    assert mean_abs_diff(first, fitted(image, (1280, 720), "crop")) > 3 * CLOSE


def test_first_frame_from_an_image_url_data_uri(server: ServerProcess) -> None:
    """The SDK (2.x) refuses `input_reference={"image_url": ...}` itself, before sending
    (it expects a file there); the same object sent through `extra_body` is what reaches
    the server, as `input_reference[image_url]`."""
    image = quadrants(300, 600)
    with pytest.raises(RuntimeError, match="input_reference"):
        sdk(server).videos.create(
            model="veo-3.1-fast", prompt="x", input_reference={"image_url": data_uri(image)}
        )
    video = sdk(server).videos.create_and_poll(
        model="veo-3.1-fast",
        prompt="a data URI as the first frame",
        seconds="4",
        size="1280x720",
        extra_body={
            "input_reference": {"image_url": data_uri(image, "JPEG")},
            "resize_mode": "crop",
        },
    )
    assert video.status == "completed", video
    first = next(frames_rgb(sdk(server).videos.download_content(video.id).content))
    assert mean_abs_diff(first, fitted(image, (1280, 720), "crop")) < CLOSE
    assert mean_abs_diff(first, fitted(image, (1280, 720), "pad")) > 3 * CLOSE


def test_list_pages_past_one_page_across_dialects(server: ServerProcess) -> None:
    key = server.create_key("openai-list")
    client = sdk(server, key)
    made = [
        client.videos.create(model="veo-3.1-fast", prompt=f"listed {n}", seconds="4").id
        for n in range(3)
    ]
    kyy = server.client(key).post(
        "/v1/veo/videos", json={"model": "veo_3_1_fast", "prompt": "a kyy job in the list"}
    )
    assert kyy.status_code == 200, kyy.text
    made.append("video_" + kyy.json()["id"].removeprefix("vgen_"))
    try:
        page = client.videos.list(limit=2)
        assert len(page.data) == 2
        assert page.has_more
        assert [v.id for v in page] == made[::-1]  # newest first, every page
        oldest_first = client.videos.list(limit=3, order="asc")
        assert [v.id for v in oldest_first] == made
        after = client.videos.list(after=kyy.json()["id"], limit=100)  # any spelling is a cursor
        assert [v.id for v in after.data] == made[-2::-1]
        assert not after.has_more
        assert made[0] not in [v.id for v in sdk(server).videos.list(limit=100)]
    finally:
        for video_id in made:
            client.videos.delete(video_id)
    assert list(client.videos.list()) == []  # deleted jobs are never listed


def test_delete_makes_every_dialect_answer_404(server: ServerProcess) -> None:
    client = sdk(server)
    video = client.videos.create(model="veo-3.1-fast", prompt="soon gone", seconds="4")
    gone = client.videos.delete(video.id)
    assert (gone.id, gone.object, gone.deleted) == (video.id, "video.deleted", True)
    with pytest.raises(openai.NotFoundError) as caught:
        client.videos.retrieve(video.id)
    assert caught.value.status_code == 404
    ref = video.id.removeprefix("video_")
    http = server.client()
    assert http.get(f"/v1/result/vgen_{ref}").status_code == 404
    assert http.get(f"/v1/tasks/task_{ref.upper()}").status_code == 404
    assert http.get(f"/v1/videos/{video.id}/content").status_code == 404
    assert http.delete(f"/v1/videos/{video.id}").status_code == 404


def test_poll_after_header_only_while_unfinished(server: ServerProcess, portrait: Video) -> None:
    client = sdk(server)
    video = client.videos.create(
        model="veo-3.1", prompt="a slow one", seconds="8", size="1920x1080"
    )
    try:
        raw = client.videos.with_raw_response.retrieve(video.id)
        assert raw.parse().status in ("queued", "in_progress")
        assert 1_000 <= int(raw.headers["openai-poll-after-ms"]) <= 30_000
    finally:
        client.videos.delete(video.id)
    done = client.videos.with_raw_response.retrieve(portrait.id)
    assert "openai-poll-after-ms" not in done.headers


def test_jobs_of_other_dialects_read_as_videos(server: ServerProcess, portrait: Video) -> None:
    http = server.client()
    created = http.post(
        "/v1/videos/generations",
        json={"model": "veo3.1-fast-official", "prompt": "an apimart job", "duration": 4},
    )
    assert created.status_code == 200, created.text
    task_id = created.json()["data"][0]["task_id"]
    wait_for(http, f"/v1/tasks/{task_id}", lambda b: b["data"]["status"] == "completed")
    video = sdk(server).videos.retrieve(task_id)
    assert video.id == "video_" + task_id.removeprefix("task_").lower()
    assert (video.status, video.model, video.seconds, video.size) == (
        "completed",
        "veo3.1-fast-official",
        "4",
        "1280x720",
    )
    assert decode(sdk(server).videos.download_content(video.id).content).frames == 96
    # ...and a Video through apimart and kyy.
    ref = portrait.id.removeprefix("video_")
    task = http.get(f"/v1/tasks/{portrait.id}").json()["data"]
    assert (task["id"], task["status"]) == (f"task_{ref.upper()}", "completed")
    assert http.get(f"/v1/result/vgen_{ref}").json()["status"] == "completed"


def test_cancelled_reads_failed_with_code_cancelled(server: ServerProcess) -> None:
    http = server.client()
    video = sdk(server).videos.create(model="veo-3.1", prompt="never mind", seconds="8")
    ref = video.id.removeprefix("video_")
    cancelled = http.post(f"/v1/veo/videos/vgen_{ref}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["status"], cancelled.json()["error"]) == ("failed", "cancelled")
    read = sdk(server).videos.retrieve(video.id)
    assert read.status == "failed"
    assert read.error is not None
    assert read.error.code == "cancelled"
    assert read.completed_at is not None
    assert read.expires_at is None
    sdk(server).videos.delete(video.id)


def test_errors_have_openai_shape(server: ServerProcess) -> None:
    with pytest.raises(openai.AuthenticationError) as auth:
        sdk(server, "vg_not_a_key").videos.list()
    assert auth.value.status_code == 401
    assert auth.value.body["type"] == "authentication_error"  # type: ignore[index]
    assert auth.value.body["code"] == "invalid_api_key"  # type: ignore[index]
    with pytest.raises(openai.NotFoundError) as missing:
        sdk(server).videos.retrieve("video_01jd0000000000000000000000")
    assert missing.value.body == {  # the SDK hands over `error`'s members
        "message": "no job 'video_01jd0000000000000000000000'",
        "type": "invalid_request_error",
        "param": "id",
        "code": "not_found",
    }
    with pytest.raises(openai.BadRequestError) as bad:
        sdk(server).videos.create(model="veo-3.1", prompt="sora sizes", size="1024x1792")
    assert bad.value.body["param"] == "size"  # type: ignore[index]
    assert bad.value.body["code"] == "invalid_size"  # type: ignore[index]
    raw = httpx.get(f"{server.url}/v1/videos", headers={"Authorization": "Bearer nope"})
    assert raw.status_code == 401
    assert set(raw.json()["error"]) == {"message", "type", "param", "code"}


def test_delete_removes_the_video_and_its_previews(fresh_server: ServerProcess) -> None:
    fresh_server.env.update({"VEOGATE_RETENTION_SWEEP_SECONDS": "0.5"})
    fresh_server.start()
    client = sdk(fresh_server)
    video = client.videos.create_and_poll(
        model="veo-3.1-fast", prompt="kept, then deleted", seconds="4", poll_interval_ms=200
    )
    assert video.status == "completed", video
    for variant in ("thumbnail", "spritesheet"):
        assert client.videos.download_content(video.id, variant=variant).content
    jobs = fresh_server.data_dir / "objects" / "jobs"
    kept = sorted(p.name for p in jobs.rglob("*") if p.is_file())
    assert kept == ["0.mp4", "0.mp4.spritesheet.jpg", "0.mp4.thumbnail.webp"]
    client.videos.delete(video.id)
    deadline = time.monotonic() + 30
    while any(p.is_file() for p in jobs.rglob("*")) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not [p.name for p in jobs.rglob("*") if p.is_file()]
