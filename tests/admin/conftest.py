"""One real `veogate serve` for the admin API tests, with an admin key made by the CLI and a
webhook receiver on 127.0.0.1 whose answers a test can switch."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.e2e.test_webhooks import veogate, webhook_env
from tests.support.receivers import Received, Reply, WebhookReceiver
from tests.support.server import ServerProcess


class Switchable:
    """A receiver script: 500 while `failing`, else 200."""

    def __init__(self) -> None:
        self.failing = False

    def __call__(self, _request: Received, _index: int) -> Reply:
        return Reply(500 if self.failing else 200)


@dataclass
class AdminSetup:
    server: ServerProcess
    admin_key: str
    receiver: WebhookReceiver
    answers: Switchable

    def admin(self, key: str | None = None) -> httpx.Client:
        return self.server.client(key or self.admin_key)

    def cli(self, *args: str) -> str:
        return veogate(self.server.data_dir, self.server.env, *args)


def card(output: str) -> dict[str, str]:
    """`name: value` lines of a CLI's output, as a dict."""
    return {
        k.strip(): v.strip() for k, _, v in (line.partition(":") for line in output.splitlines())
    }


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdminSetup]:
    answers = Switchable()
    with WebhookReceiver(answers) as receiver:
        env = {**webhook_env(receiver), "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0"}
        server = ServerProcess(tmp_path_factory.mktemp("admin"), env=env)
        server.start()
        try:
            made = card(veogate(server.data_dir, env, "admin", "create-key", "--name", "ops"))
            assert made["secret"].startswith("vga_")
            yield AdminSetup(server, made["secret"], receiver, answers)
        finally:
            server.stop()
