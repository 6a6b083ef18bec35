from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.google_veo import FakeVeo
from tests.support.cluster import Cluster, fresh_database, postgres_reachable
from tests.support.moto import MotoServer, running_moto


@pytest.fixture(scope="package", autouse=True)
def _postgres() -> None:
    """These tests need PostgreSQL on 127.0.0.1:5432 (trust auth). CI starts it (.ci/run) and
    must not skip them; elsewhere they are skipped, saying why."""
    if postgres_reachable():
        return
    message = "no PostgreSQL on 127.0.0.1:5432 (trust auth): start it to run the scale-out tests"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="package")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    with running_moto(tmp_path_factory.mktemp("moto")) as server:
        yield server


@pytest.fixture(scope="package")
def fake_veo() -> Iterator[FakeVeo]:
    veo = FakeVeo().start()
    yield veo
    veo.stop()


@pytest.fixture
def database_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def make_cluster(tmp_path: Path, database_url: str) -> Iterator[type[Cluster]]:
    made: list[Cluster] = []

    class _Cluster(Cluster):
        def __init__(self, env: dict[str, str]) -> None:
            super().__init__(tmp_path / f"cluster-{len(made)}", database_url, env)
            made.append(self)

    yield _Cluster
    for cluster in made:
        for worker in cluster.workers:
            worker.kill()
        for api in cluster.apis:
            api.kill()
