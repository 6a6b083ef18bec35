"""Attacks over real HTTP on real `veogate serve` processes.

Servers are started once for the package and shared: `api_server` is API-only (accepted
jobs are queued and never rendered, so refusals are checked without background work) and
runs once on SQLite and once on PostgreSQL, where NUL and invalid Unicode would break an
insert; `worker_server` renders, fetches URL images and serves downloads. After every
test, no server may have answered 5xx or logged a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cluster import fresh_database, postgres_reachable
from tests.support.images import ImageServer
from tests.support.server import ServerProcess

SIGNING_SECRET = "security-suite-signing-secret-0123456789abcdef"
_SERVER_ERROR = re.compile(r'HTTP/1\.[01]" 5\d\d')


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    param: str | None
    message: str


@dataclass(frozen=True)
class Dialect:
    """One wire dialect: where it creates jobs, a valid body, and how its errors read."""

    name: str
    create_path: str
    base: dict[str, Any]

    def refusal(self, response: httpx.Response) -> Refusal:
        body = response.json()
        if self.name == "kyy":  # {"error": message, "code": ..., "param": ...}
            return Refusal(response.status_code, body["code"], body["param"], body["error"])
        assert body["code"] == response.status_code  # apimart: {"code": status, "error": {...}}
        error = body["error"]
        return Refusal(response.status_code, error["code"], error["param"], error["message"])

    def raw_body(self, **fields: str) -> bytes:
        """The valid base body with `fields` replaced or added as raw JSON text, for what
        `json.dumps` cannot write (lone surrogates, 5,000-digit integers, deep nesting)."""
        members = {name: json.dumps(value) for name, value in self.base.items()}
        members.update(fields)
        text = ", ".join(f"{json.dumps(name)}: {value}" for name, value in members.items())
        return ("{" + text + "}").encode()


KYY = Dialect("kyy", "/v1/veo/videos", {"model": "veo_3_1_fast", "prompt": "a cat"})
APIMART = Dialect(
    "apimart",
    "/v1/videos/generations",
    {"model": "veo3.1-fast-official", "prompt": "a cat", "duration": 4},
)
DIALECTS = [KYY, APIMART]


def post_raw(server: ServerProcess, dialect: Dialect, raw: bytes) -> httpx.Response:
    with server.client() as client:
        return client.post(
            dialect.create_path, content=raw, headers={"Content-Type": "application/json"}
        )


def assert_refused(
    response: httpx.Response, dialect: Dialect, status: int, param: str | None
) -> Refusal:
    """`response` is `dialect`'s error with `status`, naming `param` (in `param` and in
    the message), never a 5xx."""
    assert response.status_code == status, response.text
    refusal = dialect.refusal(response)
    assert refusal.param == param, refusal
    if param is not None:
        assert param in refusal.message, refusal
    return refusal


class Servers:
    """The package's servers, started on first use and stopped at the end."""

    def __init__(self, root: Path, image_server: ImageServer) -> None:
        self.root = root
        self.image_server = image_server
        self.running: dict[str, ServerProcess] = {}
        self._databases = contextlib.ExitStack()

    def get(self, name: str) -> ServerProcess:
        if name not in self.running:
            self.running[name] = self._start(name)
        return self.running[name]

    def _start(self, name: str) -> ServerProcess:
        env = {
            "VEOGATE_SIGNING_SECRET": SIGNING_SECRET,
            "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
            "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
            # The image server's port is allowed, its address (loopback) is not: what
            # refuses those fetches is the address policy.
            "VEOGATE_IMAGE_FETCH_ALLOWED_PORTS": json.dumps([80, 443, self.image_server.port]),
            "VEOGATE_IMAGE_FETCH_TIMEOUT_SECONDS": "2",
        }
        if name == "api-postgresql":
            if not postgres_reachable():
                message = "no PostgreSQL on 127.0.0.1:5432 (trust auth)"
                if os.environ.get("CI"):
                    pytest.fail(message)
                pytest.skip(message)
            env["VEOGATE_DATABASE_URL"] = self._databases.enter_context(fresh_database())
        server = ServerProcess(self.root / name, env=env)
        if name.startswith("api-"):
            server.args = ["--no-worker"]
        server.start()
        return server

    def stop(self) -> None:
        for server in self.running.values():
            server.stop()
        self._databases.close()


@pytest.fixture(scope="package")
def servers(
    tmp_path_factory: pytest.TempPathFactory, image_server: ImageServer
) -> Iterator[Servers]:
    """`image_server` (on 127.0.0.1) is what a safe fetcher must never reach."""
    started = Servers(tmp_path_factory.mktemp("security"), image_server)
    yield started
    started.stop()


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def api_server(request: pytest.FixtureRequest, servers: Servers) -> ServerProcess:
    """API only: accepted jobs stay queued. Once per database."""
    return servers.get(f"api-{request.param}")


@pytest.fixture(scope="package")
def worker_server(servers: Servers) -> ServerProcess:
    """Renders jobs, fetches URL images and serves downloads (SQLite)."""
    return servers.get("worker-sqlite")


@pytest.fixture(autouse=True)
def _no_server_errors(servers: Servers) -> Iterator[None]:
    """No 5xx answer and no traceback in any server's log while the test ran."""
    offsets = {name: s.log_path.stat().st_size for name, s in servers.running.items()}
    yield
    for name, server in servers.running.items():
        log = server.log_path.read_bytes()[offsets.get(name, 0) :].decode(errors="replace")
        assert "Traceback" not in log, f"{name} logged a traceback:\n{log[-4000:]}"
        assert not _SERVER_ERROR.search(log), f"{name} answered 5xx:\n{log[-4000:]}"
