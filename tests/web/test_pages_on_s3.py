"""With results in S3-compatible storage (moto on 127.0.0.1), clients fetch them from
presigned URLs of the store: the pages' policy allows that origin for videos (and nothing
else), and the playground and the console play them from there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import screenshot
from tests.support.moto import MotoServer, running_moto
from tests.support.server import ServerProcess
from tests.web.console_support import create_admin_key, signed_in
from tests.web.playground_steps import play, render_short, shown_job_id
from veogate.web.headers import content_security_policy


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    with running_moto(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="module")
def s3_server(
    tmp_path_factory: pytest.TempPathFactory, moto: MotoServer
) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("s3-pages"), env=moto.veogate_env("pages"))
    proc.start()
    yield proc
    proc.stop()


def test_the_policy_allows_the_stores_origin_for_videos_only(
    s3_server: ServerProcess, moto: MotoServer
) -> None:
    with httpx.Client(base_url=s3_server.url) as client:
        playground = client.get("/").headers["content-security-policy"]
        _, admin = create_admin_key(s3_server, "s3 policy")
        console = signed_in(client, admin)
        console_page = client.get("/console", headers=console.cookie)
        asset = client.get("/ui/playground/main.js").headers["content-security-policy"]
    expected = content_security_policy([moto.endpoint])
    assert playground == expected
    assert console_page.headers["content-security-policy"] == expected
    assert f"media-src 'self' blob: {moto.endpoint};" in expected
    assert expected.count(moto.endpoint) == 1  # not for scripts, styles, images or fetches
    assert moto.endpoint not in asset


def test_a_result_in_s3_plays_in_the_playground_and_the_console(
    s3_server: ServerProcess, moto: MotoServer, page: Page, tmp_path: Path
) -> None:
    key = s3_server.create_key("s3 playground")
    render_short(page, s3_server, key, "a kite over the sea")
    video = page.locator("#results video").first
    assert (video.get_attribute("src") or "").startswith(moto.endpoint + "/")
    played = play(video)
    assert played["ready"] >= 2
    assert played["time"] > 0
    assert (played["width"], played["height"]) == (1280, 720)
    screenshot(page, "s3-playground-playing")
    job_id = shown_job_id(page)
    # The recent job's thumbnail is answered by veogate itself (no redirect to the store,
    # which the page's fetch could not follow), and decodes in the page.
    thumbnail = page.get_by_role("img", name=f"Thumbnail of {job_id}")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("img => img.complete && img.naturalWidth") > 0
    with httpx.Client(base_url=s3_server.url, headers={"Authorization": f"Bearer {key}"}) as api:
        answer = api.get(f"/v1/videos/{job_id}/content", params={"variant": "thumbnail"})
        assert (answer.status_code, answer.headers["content-type"]) == (200, "image/webp")
        video = api.get(f"/v1/videos/{job_id}/content")
        assert video.status_code == 307  # videos still come from the store directly
        assert video.headers["location"].startswith(moto.endpoint + "/")

    _, admin = create_admin_key(s3_server, "s3 console")
    page.goto(s3_server.url + "/console")
    page.get_by_label("Admin key").fill(admin)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Keys")).to_be_visible()
    page.goto(f"{s3_server.url}/console#/jobs/{job_id}")
    player = page.locator("main video").first
    expect(player).to_be_visible()
    assert (player.get_attribute("src") or "").startswith(moto.endpoint + "/")
    assert play(player)["ready"] >= 2
    screenshot(page, "s3-console-job")
    assert page.problems == []  # type: ignore[attr-defined]
