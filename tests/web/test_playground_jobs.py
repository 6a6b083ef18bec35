"""The playground's jobs in real Chromium against a real server on the preview renderer:
reference images (one uploaded, one by URL) through the OpenAI dialect, Cancel while a job
runs, and following a job when the event stream is unavailable or drops once."""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, Request, Route, expect

from tests.support.browser import screenshot
from tests.support.images import ImageServer
from tests.support.mp4 import decode
from tests.support.server import ServerProcess, finished_task
from tests.web.playground_steps import (
    choose_short_render,
    key,
    open_with_key,
    play,
    render_short,
    shown_job_id,
    submit_and_wait,
)

__all__ = ["key"]  # a fixture

EVENTS = "**/v1/jobs/*/events"


def only_failed_loads(page: Page) -> bool:
    """Whether the page's only console errors are Chromium's own line for a request the test
    made fail on purpose."""
    return all(p.startswith("Failed to load resource") for p in page.problems)  # type: ignore[attr-defined]


def task_reads(page: Page) -> list[Request]:
    """The status reads (`GET /v1/tasks/{id}`) the page sends from now on."""
    reads: list[Request] = []
    page.on("request", lambda r: reads.append(r) if "/v1/tasks/" in r.url else None)
    return reads


def test_reference_images_by_upload_and_by_url_make_a_video_that_plays(
    server: ServerProcess, key: str, page: Page, image_server: ImageServer, tmp_path: Path
) -> None:
    picture = tmp_path / "blue.png"
    Image.new("RGB", (320, 180), (20, 40, 220)).save(picture)
    open_with_key(page, server, key)
    page.get_by_label("Model").select_option("veo-3.1-fast")
    page.get_by_label("Prompt", exact=True).fill("the two colours meet")
    page.get_by_label("Duration").select_option("8")
    page.get_by_label("Aspect ratio").select_option("16:9")
    page.get_by_label("Resolution").select_option("720p")
    page.get_by_label("Image input").select_option("reference")
    page.get_by_label("or upload reference images").set_input_files(str(picture))
    expect(page.locator("#upload-status")).to_contain_text("Uploaded blue.png (320×180)")
    references = page.get_by_label("Reference image URLs (one per line)")
    uploaded = references.input_value()
    assert "/uploads/" in uploaded
    references.fill(f"{uploaded}\n{image_server.url('/red.png')}")
    screenshot(page, "playground-reference-images")

    with page.expect_request(lambda r: r.url.endswith("/v1/videos")) as created:
        submit_and_wait(page)
    sent = created.value.post_data_json
    assert sent["model"] == "veo-3.1-fast"
    assert (sent["seconds"], sent["size"]) == ("8", "1280x720")
    assert sent["reference_images"] == [
        {"image_url": uploaded},
        {"image_url": image_server.url("/red.png")},
    ]
    assert image_server.hits.get("/red.png", 0) >= 1  # the server fetched the URL

    played = play(page.get_by_label("Sample 1 of video_"))
    assert played["time"] > 0
    assert (played["width"], played["height"]) == (1280, 720)
    screenshot(page, "playground-reference-playing")
    with server.client(key) as client:
        task = finished_task(client, shown_job_id(page))
        video = decode(client.get(task["result"]["videos"][0]["url"][0]).content)
    assert (video.width, video.height, video.frames) == (1280, 720, 8 * 24)

    # apimart's models take no reference images: its command says so and leaves them out.
    page.get_by_label("Dialect").select_option("apimart")
    expect(page.locator("#curl-notes")).to_have_text(
        "Not expressible here, left out: apimart: veo3.1-fast-official takes no reference images"
    )
    assert "image_with_roles" not in page.get_by_label("The curl command").input_value()
    page.get_by_label("Dialect").select_option("kyy")
    expect(page.get_by_label("The curl command")).to_have_value(re.compile('veo_3_1_fast"'))
    assert page.problems == []  # type: ignore[attr-defined]


def test_cancel_stops_the_running_job(server: ServerProcess, key: str, page: Page) -> None:
    open_with_key(page, server, key)
    choose_short_render(page, "never finished")
    page.get_by_label("Duration").select_option("8")
    cancel = page.get_by_role("button", name="Cancel", exact=True)
    expect(cancel).to_be_hidden()
    page.get_by_role("button", name="Generate").click()
    cancel.click()
    status = page.locator("#job-status")
    expect(status).to_have_attribute("data-status", "cancelled")
    expect(status).to_contain_text("Cancelled")
    expect(page.locator("#results")).to_contain_text(f"{shown_job_id(page)} cancelled")
    expect(cancel).to_be_hidden()
    listed = page.locator(f'.job[data-id="{shown_job_id(page)}"]')
    expect(listed).to_have_attribute("data-status", "cancelled")
    screenshot(page, "playground-cancelled")
    with server.client(key) as client:
        task = client.get(f"/v1/tasks/{shown_job_id(page)}").json()["data"]
    assert task["status"] == "cancelled"
    assert page.problems == []  # type: ignore[attr-defined]


def test_without_an_event_stream_the_page_polls_to_the_end(
    server: ServerProcess, key: str, page: Page
) -> None:
    page.route(EVENTS, lambda route: route.fulfill(status=404))
    reads = task_reads(page)
    render_short(page, server, key, "seen by polling")
    assert len(reads) >= 2  # read until finished, not once
    statuses: list[str] = page.evaluate("window.statuses")
    assert statuses[-1].endswith("Done, 100%")
    assert play(page.get_by_label("Sample 1 of video_"))["time"] > 0
    assert only_failed_loads(page)


def test_a_stream_dropped_once_is_resumed_to_the_end(
    server: ServerProcess, key: str, page: Page
) -> None:
    streams: list[str] = []

    def drop_the_first(route: Route) -> None:
        streams.append(route.request.url)
        if len(streams) == 1:
            route.abort()
        else:
            route.continue_()

    page.route(EVENTS, drop_the_first)
    reads = task_reads(page)
    render_short(page, server, key, "heard twice")
    assert len(streams) == 2
    assert len(reads) == 1  # the stream carried the job; one read for the links at the end
    statuses: list[str] = page.evaluate("window.statuses")
    assert any("Rendering" in status for status in statuses), statuses
    assert play(page.get_by_label("Sample 1 of video_"))["time"] > 0
    assert only_failed_loads(page)


def test_a_stream_closed_mid_way_is_resumed_after_its_last_event(
    server: ServerProcess, key: str, page: Page
) -> None:
    resumed_after: list[str | None] = []

    def cut_the_first(route: Route) -> None:
        resumed_after.append(route.request.headers.get("last-event-id"))
        if len(resumed_after) > 1:
            route.continue_()
            return
        # The server's own stream, cut after its first event (as a dropped proxy would).
        whole = route.fetch()
        blocks = whole.text().split("\n\n")
        first = next(n for n, block in enumerate(blocks) if block.startswith("id: "))
        route.fulfill(response=whole, body="\n\n".join(blocks[: first + 1]) + "\n\n")

    page.route(EVENTS, cut_the_first)
    reads = task_reads(page)
    render_short(page, server, key, "heard in two parts")
    assert len(resumed_after) == 2
    assert resumed_after[0] is None
    assert (resumed_after[1] or "").startswith("evt_")
    assert len(reads) == 1
    assert play(page.get_by_label("Sample 1 of video_"))["time"] > 0
    assert page.problems == []  # type: ignore[attr-defined]
