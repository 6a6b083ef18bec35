"""The web UI's pages and assets: served with a strict policy, and nothing else under /ui/."""

from __future__ import annotations

import httpx
import pytest
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


@pytest.mark.parametrize(
    ("path", "title"), [("/", "veogate playground"), ("/console", "veogate console: sign in")]
)
def test_pages_load_everything_from_this_server_alone(
    server: ServerProcess, page: Page, path: str, title: str
) -> None:
    """No CDN, no font host, no third party: every request a page makes is to this server
    (so it works offline), and it loads without a console error or a CSP violation."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(server.url + path)
    page.wait_for_load_state("networkidle")
    assert page.title() == title
    assert page.problems == []  # type: ignore[attr-defined]
    assert len(requested) >= 3  # the page, its script(s), its style sheet(s)
    assert [url for url in requested if not url.startswith(server.url + "/")] == []
