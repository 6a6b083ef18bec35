from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.server import ServerProcess


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One shared server for tests that do not restart it."""
    proc = ServerProcess(
        tmp_path_factory.mktemp("veogate"),
        env={"VEOGATE_RENDER_CONCURRENCY": "2", "VEOGATE_MAX_BODY_BYTES": str(4 * 1024 * 1024)},
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
