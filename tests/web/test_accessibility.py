"""Every control of every page has an accessible name, and every image a text alternative:
checked in Chromium on each page and view as a person reaches it (the playground with a key,
each view of the console signed in)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.server import ServerProcess
from tests.web.console_support import create_admin_key
from tests.web.playground_steps import key, open_with_key

__all__ = ["key"]

# Visible form controls with no <label>, aria-label or aria-labelledby (a button may be
# named by its text), and images with no alt attribute.
UNNAMED = """() => {
  const shown = (el) => el.getClientRects().length > 0 && el.type !== "hidden";
  const named = (el) =>
    (el.labels && el.labels.length > 0) ||
    el.getAttribute("aria-label") ||
    el.getAttribute("aria-labelledby") ||
    (el.tagName === "BUTTON" && el.textContent.trim());
  const controls = [...document.querySelectorAll("input, select, textarea, button")]
    .filter((el) => shown(el) && !named(el));
  const images = [...document.querySelectorAll("img")].filter((img) => !img.hasAttribute("alt"));
  return [...controls, ...images].map((el) => el.outerHTML.slice(0, 160));
}"""

CONSOLE_VIEWS = ("keys", "jobs", "usage", "webhooks", "providers", "sessions")


def unnamed(page: Page) -> list[str]:
    found: list[str] = page.evaluate(UNNAMED)
    return found


def test_the_playground_names_every_control(server: ServerProcess, key: str, page: Page) -> None:
    page.goto(server.url + "/")
    assert unnamed(page) == []  # before a key: the key form
    open_with_key(page, server, key)
    for mode in ("first", "first+last", "reference"):
        page.get_by_label("Image input").select_option(mode)
        assert unnamed(page) == [], mode
    assert page.problems == []  # type: ignore[attr-defined]
    # The check sees what it looks for: an unnamed control added to the page is reported.
    page.evaluate("() => document.querySelector('main').append(document.createElement('input'))")
    assert unnamed(page) == ["<input>"]


def test_every_console_view_names_every_control(server: ServerProcess, page: Page) -> None:
    _, secret = create_admin_key(server, "a11y")
    page.goto(server.url + "/console")
    assert unnamed(page) == []  # the sign-in form
    page.get_by_label("Admin key").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Keys")).to_be_visible()
    for view in CONSOLE_VIEWS:
        nav = page.get_by_role("navigation", name="Console sections")
        nav.get_by_role("link", name=view.capitalize(), exact=True).click()
        expect(page.locator("main h1, main h2").first).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert unnamed(page) == [], view
    assert page.problems == []  # type: ignore[attr-defined]
