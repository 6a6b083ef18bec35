"""Several veogate processes on one PostgreSQL database: API-only servers and workers."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from tests.fakes.google_veo import FakeVeo
from tests.support.server import ServerProcess

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def postgres_reachable() -> bool:
    """Whether PostgreSQL answers on 127.0.0.1:5432 (trust auth)."""
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    name = f"veogate_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sql(database_url: str, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url.replace("+psycopg", "")) as conn:
        return list(conn.execute(query, params).fetchall())


def google_env(fake: FakeVeo) -> dict[str, str]:
    return {
        "VEOGATE_GOOGLE_API_KEYS": json.dumps([fake.api_key]),
        "VEOGATE_GOOGLE_BASE_URL": fake.base_url,
        "VEOGATE_GOOGLE_REQUESTS_PER_MINUTE": "100000",
        "VEOGATE_GOOGLE_CONCURRENCY": "50",
        "VEOGATE_POLL_INITIAL_SECONDS": "0.3",
        "VEOGATE_POLL_MAX_SECONDS": "0.5",
    }


class WorkerProcess:
    """`veogate worker` in a subprocess."""

    def __init__(self, data_dir: Path, executor_id: str, env: dict[str, str]) -> None:
        self.data_dir = data_dir
        self.executor_id = executor_id
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir / "worker.log"

    def start(self, timeout: float = 60.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "veogate.cli.main",
                "worker",
                "--data-dir",
                str(self.data_dir),
                "--executor-id",
                self.executor_id,
            ],
            env={**os.environ, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log_path.read_text()[-4000:]}")
            if f"worker {self.executor_id} started" in self.log_path.read_text():
                return
            time.sleep(0.1)
        raise RuntimeError(f"worker did not start:\n{self.log_path.read_text()[-4000:]}")

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode if self.process else None


class Cluster:
    """N API-only servers and M workers sharing one database (and storage)."""

    def __init__(self, root: Path, database_url: str, env: dict[str, str]) -> None:
        self.root = root
        self.database_url = database_url
        self.env = {
            "VEOGATE_DATABASE_URL": database_url,
            "VEOGATE_SIGNING_SECRET": secrets.token_urlsafe(40),
            "VEOGATE_QUEUE_POLL_SECONDS": "0.1",
            "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
            "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
            **env,
        }
        self.apis: list[ServerProcess] = []
        self.workers: list[WorkerProcess] = []
        self.key = ""

    def start(self, apis: int, workers: int) -> None:
        first = ServerProcess(self.root / "api-0", env=self.env)
        self.key = first.create_key("cluster-test")  # also migrates the job tables
        for i in range(workers):
            worker = WorkerProcess(self.root / f"worker-{i}", f"worker-{i}", self.env)
            worker.start()
            self.workers.append(worker)
        for i in range(apis):
            api = first if i == 0 else ServerProcess(self.root / f"api-{i}", env=self.env)
            api.args = ["--no-worker"]
            api.start()
            self.apis.append(api)

    def stop(self) -> None:
        for api in self.apis:
            api.stop()
        for worker in self.workers:
            worker.stop()
