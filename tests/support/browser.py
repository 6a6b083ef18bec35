"""Real headless Chromium for the web UI's tests, driven by Playwright.

Playwright drives the system's Chromium (Debian's `chromium` package, `/usr/bin/chromium`, or
`VEOGATE_CHROMIUM`); it never downloads a browser of its own. Without one the tests are skipped,
saying why, except under `CI`, where they fail (`.ci/run` installs it). Screenshots go to
`test-artifacts/screens/` (`VEOGATE_TEST_ARTIFACTS` moves it), kept after the run.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

# Chromium's own background traffic is refused on a closed network; these keep it quiet.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = Path(os.environ.get("VEOGATE_TEST_ARTIFACTS", "test-artifacts"))


def chromium_path() -> str | None:
    given = os.environ.get("VEOGATE_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module. Not longer: Playwright's sync API keeps an event loop
    running in this thread while it is open, and `asyncio.run` in a later test would fail."""
    executable = chromium_path()
    if executable is None:
        message = "no Chromium (apt-get install chromium, or set VEOGATE_CHROMIUM)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh profile per test (no cookies or storage carried between tests)."""
    opened = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A page that records every console error and CSP violation in `page.problems`, and
    leaves a screenshot of how it ended (`<test name>-end.png`)."""
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    opened.problems = problems  # type: ignore[attr-defined]
    yield opened
    screenshot(opened, f"{request.node.name}-end")


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and return its path."""
    folder = ARTIFACTS / "screens"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path
