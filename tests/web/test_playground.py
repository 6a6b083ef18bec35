"""The playground at `/` in real Chromium, against a real server rendering with the preview
renderer: a key pasted in, a video generated, watched, played and downloaded; the catalog's
rules in the form; uploads; a refused key; the curl commands; the key's recent jobs."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import screenshot
from tests.support.images import quadrants
from tests.support.mp4 import decode
from tests.support.server import ServerProcess, finished_task
from tests.web.playground_steps import (
    choose_short_render,
    key,
    open_with_key,
    play,
    shown_job_id,
    submit_and_wait,
)

__all__ = ["key"]  # a fixture


def test_a_video_is_generated_watched_played_and_downloaded(
    server: ServerProcess, key: str, page: Page, tmp_path: Path
) -> None:
    open_with_key(page, server, key)
    screenshot(page, "playground-1-key-accepted")
    choose_short_render(page, "a lighthouse at dusk")
    expect(page.locator("#price")).to_contain_text("Estimated price: 0.40 credits")
    screenshot(page, "playground-2-form")

    submit_and_wait(page)
    statuses: list[str] = page.evaluate("window.statuses")
    assert len(set(statuses)) >= 2, statuses  # the line moved before the job ended
    assert statuses[-1].endswith("Done, 100%")
    assert page.locator("#progress").evaluate("p => p.value") == 100
    screenshot(page, "playground-3-done")

    video = page.get_by_label("Sample 1 of video_")
    expect(video).to_have_count(1)
    played = play(video)
    assert played["ready"] >= 2
    assert played["time"] > 0
    assert (played["width"], played["height"]) == (1280, 720)
    screenshot(page, "playground-4-playing")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download sample 1").click()
    saved = tmp_path / "sample.mp4"
    download_info.value.save_as(saved)
    decoded = decode(saved.read_bytes())
    assert (decoded.width, decoded.height, decoded.frames) == (1280, 720, 4 * 24)
    assert decoded.audio_codec is None

    expect(page.locator(f'.job[data-id="{shown_job_id(page)}"]')).to_be_visible()
    assert page.problems == []  # type: ignore[attr-defined]


def test_invalid_combinations_are_disabled_with_the_reason(
    server: ServerProcess, key: str, page: Page
) -> None:
    open_with_key(page, server, key)
    page.get_by_label("Model").select_option("veo-3.1-fast")
    page.get_by_label("Resolution").select_option("720p")
    page.get_by_label("Duration").select_option("4")

    for resolution in ("1080p", "4K"):
        option = page.locator(f'#resolution option[value="{resolution}"]')
        expect(option).to_be_disabled()
        expect(option).to_contain_text(f"{resolution} needs a duration of 8 s")
    expect(page.locator("#resolution-note")).to_contain_text("1080p: 1080p needs a duration of 8 s")
    described = page.get_by_label("Resolution").get_attribute("aria-describedby")
    assert described == "resolution-note"

    # Reference images need 8 s and 16:9; once chosen, they rule out 9:16 and 4 s.
    expect(page.locator('#image-mode option[value="reference"]')).to_be_disabled()
    expect(page.locator("#image-mode-note")).to_contain_text(
        "Reference images: reference images need 8 s"
    )
    page.get_by_label("Duration").select_option("8")
    page.get_by_label("Image input").select_option("reference")
    expect(page.locator('#aspect-ratio option[value="9:16"]')).to_be_disabled()
    expect(page.locator("#aspect-ratio-note")).to_contain_text("9:16: reference images need 16:9")
    expect(page.locator('#duration option[value="4"]')).to_be_disabled()
    page.get_by_label("Image input").select_option("text")
    expect(page.locator('#resolution option[value="1080p"]')).to_be_enabled()
    page.get_by_label("Resolution").select_option("1080p")
    expect(page.locator('#duration option[value="4"]')).to_be_disabled()
    expect(page.locator("#duration-note")).to_contain_text("4 s: 1080p needs 8 s")
    screenshot(page, "playground-rules")
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_first_frame_uploaded_from_a_file_starts_the_video(
    server: ServerProcess, key: str, page: Page, tmp_path: Path
) -> None:
    picture = tmp_path / "first.png"
    quadrants(320, 180).save(picture)
    open_with_key(page, server, key)
    choose_short_render(page, "it comes alive")
    page.get_by_label("Image input").select_option("first")
    page.get_by_label("or upload the first frame").set_input_files(str(picture))
    expect(page.locator("#upload-status")).to_contain_text("Uploaded first.png (320×180)")
    uploaded = page.get_by_label("First frame URL").input_value()
    assert "/uploads/" in uploaded
    screenshot(page, "playground-upload")

    submit_and_wait(page)
    with server.client(key) as client:
        status = finished_task(client, shown_job_id(page))
        video = client.get(status["result"]["videos"][0]["url"][0])
    first = decode(video.content)
    assert (first.width, first.height) == (1280, 720)
    expect(page.get_by_label("Sample 1 of video_")).to_have_count(1)
    assert page.problems == []  # type: ignore[attr-defined]


def test_a_refused_key_says_so_and_a_kept_key_can_be_forgotten(
    server: ServerProcess, key: str, page: Page
) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Your API key").fill("vg_not-a-key")
    page.get_by_role("button", name="Use key").click()
    expect(page.locator("#key-status")).to_contain_text(
        "This key was refused (401: unknown or revoked API key)"
    )
    expect(page.locator("#workspace")).to_be_hidden()
    screenshot(page, "playground-refused-key")
    assert page.evaluate("localStorage.length") == 0

    page.get_by_label("Your API key").fill(key)
    page.get_by_role("button", name="Use key").click()
    expect(page.locator("#key-status")).to_contain_text("Key accepted")  # kept once accepted
    page.reload()  # kept in the browser: no need to paste it again
    expect(page.locator("#key-status")).to_contain_text("Key accepted")
    expect(page.get_by_label("Your API key")).to_have_value("")
    page.get_by_role("button", name="Forget key").click()
    expect(page.locator("#key-status")).to_contain_text("Key forgotten")
    expect(page.locator("#workspace")).to_be_hidden()
    assert page.evaluate("localStorage.length") == 0
    # The refused key's 401 is the only console error Chromium reports (a failed fetch).
    assert all("401" in problem for problem in page.problems)  # type: ignore[attr-defined]


def test_a_refused_create_shows_the_servers_message_and_field(
    server: ServerProcess, key: str, page: Page
) -> None:
    open_with_key(page, server, key)
    choose_short_render(page, "too big a seed")
    page.get_by_label("Seed").fill("4294967296")
    page.get_by_role("button", name="Generate").click()
    error = page.get_by_role("alert")
    expect(error).to_contain_text("seed")
    expect(error).to_contain_text("(field: seed)")
    expect(page.get_by_label("Seed")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "playground-refused-create")
    assert all("400" in problem for problem in page.problems)  # type: ignore[attr-defined]


def test_the_event_parser_reads_events_split_anywhere(server: ServerProcess, page: Page) -> None:
    page.goto(server.url + "/")
    events = page.evaluate(
        r"""async () => {
            const { EventParser } = await import("/ui/common/sse.js");
            const seen = [];
            const parser = new EventParser((event) => seen.push(event));
            const text = "retry: 3000\r\n\nid: evt_1\nevent: job.progress\n"
                + "data: {\"a\":\ndata: 1}\n\n: keepalive\n\nid: evt_2\ndata:x\n\n";
            for (const piece of text.match(/.{1,3}/gs)) parser.push(piece);
            return { seen, last: parser.lastEventId };
        }"""
    )
    assert events["seen"] == [
        {"type": "job.progress", "id": "evt_1", "data": '{"a":\n1}'},
        {"type": "message", "id": "evt_2", "data": "x"},
    ]
    assert events["last"] == "evt_2"


@pytest.mark.parametrize("dialect", ["apimart", "openai", "kyy", "gemini"])
def test_the_copied_curl_command_creates_the_job(
    server: ServerProcess, key: str, page: Page, dialect: str
) -> None:
    open_with_key(page, server, key)
    page.get_by_label("Model").select_option("veo-3.1-fast")
    page.get_by_label("Prompt", exact=True).fill("a cat's first 'curl' command")
    page.get_by_label("Negative prompt").fill("blur")
    page.get_by_label("Seed").fill("7")
    page.get_by_label("Dialect").select_option(dialect)
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("#copy-status")).to_contain_text("Copied")
    command = page.get_by_label("The curl command").input_value()
    notes = page.locator("#curl-notes").inner_text()
    screenshot(page, f"playground-curl-{dialect}")
    if dialect == "kyy":
        assert "negative prompt: kyy has no such field" in notes
        assert "seed: kyy has no such field" in notes
    else:
        assert notes == ""

    done = subprocess.run(
        ["bash", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, "VEOGATE_API_KEY": key},
        timeout=30,
        check=True,
    )
    answer = json.loads(done.stdout)
    assert answer.get("error") is None, answer
    with server.client(key) as client:
        listed = client.get("/v1/videos", params={"limit": 1}).json()["data"][0]
        assert listed["prompt"] == "a cat's first 'curl' command"
        assert listed["seconds"] == "8"
        assert listed["size"] == "1280x720"
        client.delete(f"/v1/videos/{listed['id']}")  # no need to render it
    assert page.problems == []  # type: ignore[attr-defined]


def test_recent_jobs_show_a_thumbnail_and_open_the_job(
    server: ServerProcess, key: str, page: Page
) -> None:
    with server.client(key) as client:
        body = {"model": "veo3.1-fast-official", "prompt": "made elsewhere", "duration": 4}
        task_id = client.post("/v1/videos/generations", json=body).json()["data"][0]["task_id"]
        finished_task(client, task_id)
    video_id = f"video_{task_id.removeprefix('task_').lower()}"  # the page speaks OpenAI ids
    open_with_key(page, server, key)
    job = page.locator(".job").first
    expect(job).to_contain_text("made elsewhere")
    expect(job).to_contain_text("completed")
    thumbnail = job.get_by_role("img", name="Thumbnail of video_")
    expect(thumbnail).to_have_attribute("src", re.compile(r"^blob:"))
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") > 0
    screenshot(page, "playground-recent-jobs")

    job.click()
    expect(page.locator("#job-status")).to_have_text(f"{video_id}: Done, 100%")
    expect(page.get_by_label(f"Sample 1 of {video_id}")).to_have_count(1)
    assert page.problems == []  # type: ignore[attr-defined]
