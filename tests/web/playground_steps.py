"""Steps the playground's browser tests share: a key of the test's own, the page opened with
it, a short render chosen, a job submitted and waited for."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.server import ServerProcess

RENDER_TIMEOUT_MS = 90_000

# Every status line the page shows, in order (installed before a submit).
RECORD_STATUSES = """() => {
  window.statuses = [];
  const line = document.getElementById("job-status");
  new MutationObserver(() => window.statuses.push(line.textContent))
    .observe(line, {childList: true, characterData: true, subtree: true});
}"""


@pytest.fixture
def key(server: ServerProcess, request: pytest.FixtureRequest) -> str:
    """A key of the test's own, so its recent jobs are its own."""
    return server.create_key(request.node.name)


def open_with_key(page: Page, server: ServerProcess, key: str) -> None:
    page.goto(server.url + "/")
    page.get_by_label("Your API key").fill(key)
    page.get_by_role("button", name="Use key").click()
    expect(page.locator("#key-status")).to_contain_text("Key accepted")
    expect(page.locator("#workspace")).to_be_visible()


def choose_short_render(page: Page, prompt: str) -> None:
    page.get_by_label("Model").select_option("veo-3.1-fast")
    page.get_by_label("Prompt", exact=True).fill(prompt)
    page.get_by_label("Duration").select_option("4")
    page.get_by_label("Resolution").select_option("720p")
    page.get_by_label("Aspect ratio").select_option("16:9")


def shown_job_id(page: Page) -> str:
    """The id of the job the progress panel shows."""
    return page.locator("#job-status").inner_text().split(":")[0]


def submit_and_wait(page: Page) -> None:
    page.evaluate(RECORD_STATUSES)
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#job-status")).to_have_attribute(
        "data-status", "completed", timeout=RENDER_TIMEOUT_MS
    )


def render_short(page: Page, server: ServerProcess, key: str, prompt: str) -> None:
    """Open the page with `key`, render `prompt` briefly and wait until it is done."""
    open_with_key(page, server, key)
    choose_short_render(page, prompt)
    submit_and_wait(page)


# Play a <video> for a moment, once it has data: what a person pressing play would see.
PLAY = """async (v) => {
    if (v.readyState < 2) {
        await new Promise(r => v.addEventListener('loadeddata', r, {once: true}));
    }
    const ready = v.readyState;
    v.muted = true;
    await v.play();
    await new Promise(r => setTimeout(r, 400));
    v.pause();
    return {ready, time: v.currentTime, width: v.videoWidth, height: v.videoHeight};
}"""


def play(video: Locator) -> dict[str, Any]:
    """Play `video` briefly: its ready state, the time it reached and its frame size."""
    played: dict[str, Any] = video.evaluate(PLAY)
    return played
