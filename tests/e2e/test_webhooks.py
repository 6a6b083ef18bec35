"""Webhooks from real `veogate serve` processes to real receivers on 127.0.0.1: per-request
`callback_url` in both dialects, a key endpoint added with the CLI, refusals at create, and a
delivery cut off by kill -9 that arrives after the restart with the same `webhook-id`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.e2e.test_crash_recovery import events_key_id
from tests.support.receivers import Received, Reply, WebhookReceiver
from tests.support.server import ServerProcess, finished_task, wait_for

APIMART = {"model": "veo3.1-fast-official", "prompt": "a paper boat", "duration": 4}
KYY = {"model": "veo_3_1_fast", "prompt": "a paper boat"}


def webhook_env(*receivers: WebhookReceiver) -> dict[str, str]:
    return {
        "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
        "VEOGATE_WEBHOOK_ALLOW_CIDRS": json.dumps(["127.0.0.0/8"]),
        "VEOGATE_WEBHOOK_ALLOWED_PORTS": json.dumps([r.port for r in receivers]),
        "VEOGATE_WEBHOOK_POLL_SECONDS": "0.2",
        "VEOGATE_WEBHOOK_TIMEOUT_SECONDS": "3",
        "VEOGATE_WEBHOOK_RETRY_SCHEDULE": json.dumps([0, 0.5, 0.5, 0.5]),
    }


def veogate(data_dir: Path, env: dict[str, str], *args: str) -> str:
    """`veogate <command> --data-dir <data_dir> <args...>`, its stdout."""
    command, *rest = args
    return subprocess.run(
        [sys.executable, "-m", "veogate.cli.main", command, "--data-dir", str(data_dir), *rest],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    ).stdout


class Switch:
    """A receiver script: the first request hangs until released, the others get 200."""

    def __init__(self) -> None:
        self.first_arrived = threading.Event()

    def __call__(self, _request: Received, index: int) -> Reply:
        if index == 0:
            self.first_arrived.set()
            return Reply(delay=120)
        return Reply(200)


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as started:
        yield started


@pytest.fixture(scope="module")
def hook_server(
    tmp_path_factory: pytest.TempPathFactory, receiver: WebhookReceiver
) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("webhooks"), env=webhook_env(receiver))
    proc.start()
    yield proc
    proc.stop()


def _arrived(receiver: WebhookReceiver, path: str, count: int = 1) -> list[Received]:
    """The requests to `path`, once `count` of them have come."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        mine = [r for r in receiver.requests() if r.path == path]
        if len(mine) >= count:
            return mine
        time.sleep(0.05)
    raise AssertionError(f"fewer than {count} webhooks to {path}: {receiver.requests()}")


def test_callback_urls_in_both_dialects(
    hook_server: ServerProcess, receiver: WebhookReceiver
) -> None:
    client = hook_server.client()
    task = client.post(
        "/v1/videos/generations", json={**APIMART, "callback_url": receiver.url("/apimart?n=1")}
    ).json()["data"][0]["task_id"]
    video = client.post("/v1/veo/videos", json={**KYY, "callback_url": receiver.url("/kyy")})
    assert video.status_code == 200, video.text
    read = finished_task(client, task)
    done = wait_for(
        client,
        f"/v1/result/{video.json()['id']}",
        lambda b: b["status"] in ("completed", "failed"),
    )

    key = events_key_id(hook_server.data_dir)
    secret = veogate(hook_server.data_dir, hook_server.env, "webhooks", "secret", "--key", key)
    [from_apimart] = _arrived(receiver, "/apimart?n=1")
    [from_kyy] = _arrived(receiver, "/kyy")
    apimart_body = Webhook(secret.strip()).verify(from_apimart.body, from_apimart.headers)
    kyy_body = Webhook(secret.strip()).verify(from_kyy.body, from_kyy.headers)

    assert apimart_body["type"] == "job.succeeded"
    assert apimart_body["data"]["data"]["id"] == task == read["id"]
    assert apimart_body["data"]["data"]["status"] == read["status"] == "completed"
    assert kyy_body["type"] == "job.succeeded"
    assert kyy_body["data"]["id"] == done["id"]
    assert kyy_body["data"]["status"] == done["status"] == "completed"
    # The links in the body were minted for this delivery, and work.
    assert httpx.get(kyy_body["data"]["video_url"]).status_code == 200
    assert from_apimart.webhook_id != from_kyy.webhook_id


def test_a_key_endpoint_added_with_the_cli(
    hook_server: ServerProcess, receiver: WebhookReceiver
) -> None:
    key = events_key_id(hook_server.data_dir)
    added = veogate(
        hook_server.data_dir,
        hook_server.env,
        "webhooks",
        "add",
        "--key",
        key,
        receiver.url("/endpoint"),
        "--events",
        "job.queued,job.succeeded",
    )
    card = {
        k.strip(): v.strip() for k, _, v in (line.partition(":") for line in added.splitlines())
    }
    client = hook_server.client()
    task = client.post("/v1/videos/generations", json=APIMART).json()["data"][0]["task_id"]
    finished_task(client, task)
    queued, succeeded = _arrived(receiver, "/endpoint", 2)
    assert [r.json()["type"] for r in (queued, succeeded)] == ["job.queued", "job.succeeded"]
    for request in (queued, succeeded):
        body = Webhook(card["secret"]).verify(request.body, request.headers)
        assert body["data"]["data"]["id"] == task
    listing = veogate(
        hook_server.data_dir, hook_server.env, "webhooks", "deliveries", "--endpoint", card["id"]
    )
    assert [line.split("\t")[1] for line in listing.splitlines()[1:]] == ["delivered"] * 2
    veogate(hook_server.data_dir, hook_server.env, "webhooks", "remove", card["id"])


REFUSED: list[tuple[str, str]] = [
    ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
    ("http://10.1.2.3/hook", "a private address"),
    ("http://[::1]/hook", "a loopback address"),
    ("ftp://example.com/hook", "absolute http(s) URL"),
    ("/relative/hook", "absolute http(s) URL"),
    ("https://user:pass@example.com/hook", "credentials"),
    ("https://example.com/" + "x" * 2048, "at most 2048"),
]


@pytest.mark.parametrize(
    ("url", "reason"),
    REFUSED,
    ids=["metadata", "private", "v6 loopback", "ftp", "relative", "userinfo", "too long"],
)
def test_a_refused_callback_url_is_a_400_naming_the_field(
    server: ServerProcess, url: str, reason: str
) -> None:
    with server.client() as client:
        kyy = client.post("/v1/veo/videos", json={**KYY, "callback_url": url})
        apimart = client.post("/v1/videos/generations", json={**APIMART, "callback_url": url})
        not_a_string = client.post("/v1/veo/videos", json={**KYY, "callback_url": 5})
    assert kyy.status_code == 400
    assert kyy.json()["param"] == "callback_url"
    assert reason in kyy.json()["error"]
    assert apimart.status_code == 400
    error: dict[str, Any] = apimart.json()["error"]
    assert error["param"] == "callback_url"
    assert reason in error["message"]
    assert error["type"] == "invalid_request_error"
    assert not_a_string.status_code == 400
    assert not_a_string.json()["param"] == "callback_url"


@pytest.mark.slow
def test_a_delivery_cut_off_by_kill_9_arrives_after_the_restart(tmp_path: Path) -> None:
    switch = Switch()
    with WebhookReceiver(switch) as hanging:
        server = ServerProcess(tmp_path / "veogate", env=webhook_env(hanging))
        try:
            server.start()
            key = events_key_id(server.data_dir)
            added = veogate(
                server.data_dir, server.env, "webhooks", "add", "--key", key, hanging.url()
            )
            secret = next(x.split()[1] for x in added.splitlines() if x.startswith("secret:"))
            task = server.client().post("/v1/videos/generations", json=APIMART).json()
            assert switch.first_arrived.wait(90), "the first attempt never came"
            server.kill()  # while the receiver holds the first attempt

            server.start()
            first, second = hanging.wait_for(2, timeout=60)
            assert first.webhook_id == second.webhook_id
            body = Webhook(secret).verify(second.body, second.headers)
            assert body["type"] == "job.succeeded"
            assert body["data"]["data"]["id"] == task["data"][0]["task_id"]
            listing = veogate(server.data_dir, server.env, "webhooks", "deliveries")
            [row] = listing.splitlines()[1:]
            assert row.split("\t")[1:3] == ["delivered", "2"]
        finally:
            server.kill()
