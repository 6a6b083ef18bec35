"""The console in real headless Chromium, on a real server with a webhook receiver on
127.0.0.1: sign in (a customer key is refused), create a key, top it up, see its job (made
through the apimart dialect on the preview renderer) in the list and on its page with the
timeline and a playing video, redeliver its webhook, the usage charts, the providers."""

from __future__ import annotations

import re
import time

import httpx
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_webhooks import hook_server, receiver
from tests.support.browser import screenshot
from tests.support.receivers import WebhookReceiver
from tests.support.server import ServerProcess, finished_task
from tests.web.console_support import create_admin_key

__all__ = ["hook_server", "receiver"]  # module fixtures: a server that may call 127.0.0.1

JOB = {
    "model": "veo3.1-fast-official",
    "prompt": "a paper boat",
    "duration": 4,
    "resolution": "720p",
}


def video_ready(video: Locator, timeout: float = 30.0) -> bool:
    """Whether the video has a frame to show (`readyState >= 2`) within `timeout`. Polled
    from Python: Playwright's `wait_for_function` evaluates a string, which the page's
    policy (no `unsafe-eval`) forbids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if video.evaluate("v => v.readyState") >= 2:
            return True
        time.sleep(0.1)
    return False


def test_the_console_from_sign_in_to_providers(
    hook_server: ServerProcess, receiver: WebhookReceiver, page: Page
) -> None:
    _, admin_secret = create_admin_key(hook_server, "browser")
    page.goto(hook_server.url + "/console")
    key_field = page.get_by_label("Admin key")
    expect(key_field).to_have_attribute("type", "password")
    key_field.fill(hook_server.bootstrap_key())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("customer API key")
    screenshot(page, "console-01-customer-key-refused")
    # Chromium logs the refusal's 403 as a console error: that one is expected, no other.
    assert page.problems == [  # type: ignore[attr-defined]
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]
    page.problems.clear()  # type: ignore[attr-defined]

    key_field.fill(admin_secret)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Keys")).to_be_visible()
    screenshot(page, "console-02-signed-in")

    page.get_by_label("Name").fill("acme")
    page.get_by_role("button", name="Create key").click()
    secret = page.get_by_label("New key secret")
    expect(secret).to_contain_text("vg_")
    customer_secret = secret.inner_text().strip()
    key_id = hook_server.key_id(customer_secret)
    screenshot(page, "console-03-key-created")

    page.get_by_role("link", name="acme").click()
    expect(page.get_by_role("heading", name=re.compile("Key acme"))).to_be_visible()
    page.get_by_label("Top up amount").fill("25")
    page.get_by_label("Top up note").fill("invoice 7")
    page.get_by_role("button", name="Top up", exact=True).click()
    expect(page.locator("#balance")).to_have_text("25.00")
    expect(page.get_by_role("table", name="Ledger")).to_contain_text("top_up")
    limits = page.get_by_role("form", name="Limits")
    limits.get_by_label("Daily limit (credits)").fill("5")
    limits.get_by_role("button", name="Save limits").click()
    expect(page.get_by_role("status")).to_have_text("Limits saved")
    expect(limits.get_by_label("Daily limit (credits)")).to_have_value("5")
    screenshot(page, "console-04-topped-up")

    hook_server.cli("webhooks", "add", "--key", key_id, receiver.url("/console"))
    with httpx.Client(base_url=hook_server.url, timeout=30) as api:
        api.headers["Authorization"] = f"Bearer {customer_secret}"
        made = api.post("/v1/videos/generations", json=JOB)
        assert made.status_code == 200, made.text
        task = finished_task(api, made.json()["data"][0]["task_id"])
    assert task["status"] == "completed"
    [first] = receiver.wait_for(1)

    page.goto(f"{hook_server.url}/console#/jobs?key={key_id}")
    job_link = page.get_by_role("link", name=task["id"])
    expect(job_link).to_be_visible()
    screenshot(page, "console-05-jobs")
    job_link.click()
    timeline = page.get_by_role("list", name="Event timeline")
    expect(timeline).to_contain_text("job.succeeded")
    expect(timeline).to_contain_text("job.queued")
    assert video_ready(page.locator("video"))
    screenshot(page, "console-06-job-page")

    page.get_by_role("link", name="Webhook deliveries of this job").click()
    redeliver = page.get_by_role("button", name=re.compile("Redeliver delivery"))
    expect(redeliver).to_be_visible()
    redeliver.click()
    expect(page.get_by_role("status")).to_contain_text("being sent again")
    again = receiver.wait_for(2)[1]
    assert again.webhook_id == first.webhook_id
    screenshot(page, "console-07-redelivered")

    page.get_by_role("link", name="Usage").click()
    expect(page.get_by_role("img", name=re.compile("by day"))).to_be_visible()
    expect(page.get_by_role("table", name="By model")).to_contain_text("veo3.1-fast-official")
    screenshot(page, "console-08-usage")

    page.get_by_role("link", name="Providers").click()
    expect(page.get_by_role("article", name="Provider preview")).to_be_visible()
    screenshot(page, "console-09-providers")

    page.get_by_role("link", name="Sessions").click()
    expect(page.get_by_role("table", name="Sessions")).to_contain_text("(this one)")
    screenshot(page, "console-10-sessions")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Admin key")).to_be_visible()
    assert page.problems == []  # type: ignore[attr-defined]
