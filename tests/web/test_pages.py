"""The web UI's pages and assets: served with a strict policy, and nothing else under /ui/."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page

from tests.support.server import ServerProcess
from veogate.web.headers import CONTENT_SECURITY_POLICY


def test_the_root_serves_the_playground_with_a_strict_policy(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url) as client:
        answer = client.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    policy = answer.headers["content-security-policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert "<title>veogate playground</title>" in answer.text


def test_assets_are_typed_and_nothing_outside_them_is_served(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.url) as client:
        script = client.get("/ui/playground/main.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert "content-security-policy" in script.headers
        for path in (
            "/ui/playground/index.html",
            "/ui/../__init__.py",
            "/ui/%2e%2e/headers.py",
            "/ui/playground",
            "/ui/nothing.js",
        ):
            assert client.get(path).status_code == 404, path


def test_the_page_loads_in_chromium_without_errors(server: ServerProcess, page: Page) -> None:
    page.goto(server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.title() == "veogate playground"
    assert page.problems == []  # type: ignore[attr-defined]
