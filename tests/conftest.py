from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.support.images import ImageServer, encode, quadrants
from tests.support.server import ServerProcess

SOLID = {"red": (230, 30, 30), "green": (30, 200, 60), "blue": (30, 60, 230)}


@pytest.fixture(scope="session")
def image_server() -> Iterator[ImageServer]:
    """Images on 127.0.0.1, for tests of URL inputs (the shared server may fetch them)."""
    files = {
        "/square.png": encode(quadrants(400, 400)),
        "/tall.jpg": encode(quadrants(300, 600), "JPEG"),
        "/wide.webp": encode(quadrants(640, 300), "WEBP"),
        "/not-an-image.png": b"<html><body>surprise</body></html>",
    }
    for name, colour in SOLID.items():
        files[f"/{name}.png"] = encode(Image.new("RGB", (320, 180), colour))
    server = ImageServer(files)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server(
    tmp_path_factory: pytest.TempPathFactory, image_server: ImageServer
) -> Iterator[ServerProcess]:
    """One shared server for tests that do not restart it."""
    proc = ServerProcess(
        tmp_path_factory.mktemp("veogate"),
        env={
            "VEOGATE_RENDER_CONCURRENCY": "2",
            "VEOGATE_MAX_BODY_BYTES": str(4 * 1024 * 1024),
            # The validation tables send hundreds of creates from one key within a minute.
            "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
            "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
            # A revoked key must stop working within a test's patience.
            "VEOGATE_AUTH_CACHE_SECONDS": "1",
            # The operator allow-list that lets this server fetch the loopback image server.
            "VEOGATE_IMAGE_FETCH_ALLOW_CIDRS": json.dumps(["127.0.0.0/8"]),
            "VEOGATE_IMAGE_FETCH_ALLOWED_PORTS": json.dumps([80, 443, image_server.port]),
        },
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own (for crash and restart tests)."""
    proc = ServerProcess(tmp_path / "veogate")
    yield proc
    proc.kill()
