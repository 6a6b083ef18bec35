from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.images import encode, quadrants
from tests.support.server import ServerProcess
from veogate.client import Client


@pytest.fixture(scope="module")
def key(server: ServerProcess) -> str:
    return server.create_key("client-tests")


@pytest.fixture
def api(server: ServerProcess, key: str) -> Iterator[Client]:
    with Client(server.url, key) as client:
        yield client


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Local images: a PNG, a JPEG and a WebP."""
    folder = tmp_path_factory.mktemp("pictures")
    made = {}
    for name, fmt, size in (
        ("first.png", "PNG", (640, 360)),
        ("last.jpg", "JPEG", (480, 270)),
        ("reference.webp", "WEBP", (300, 300)),
    ):
        made[name] = folder / name
        made[name].write_bytes(encode(quadrants(*size), fmt))
    return made
