"""Hundreds of remote jobs in flight on one process, then done upstream all at once.

300 in the suite, 1,000 with `bench/full_load_tests.sh` (`tests/support/load.py`); the
10,000-job run against the previous design is `bench/bench_relay_load.py`. The upstream
holds every operation until all are submitted and being polled, then
releases them: polls, downloads and completions come due together (the wave that exhausted
the workflow database's connection pool before the poller design). On the embedded default
(`veogate serve`, SQLite) and on one `veogate worker` (PostgreSQL). Not timed: it asserts that
nothing is lost, nothing is paid twice and nothing in our own infrastructure gave way.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.fakes.google_veo import FakeVeo
from tests.fakes.google_veo_script import VeoScript
from tests.support.cluster import PG_ADMIN, Cluster, google_env, sql
from tests.support.load import load_jobs
from tests.support.server import ServerProcess

pytestmark = pytest.mark.slow

JOBS = load_jobs()
ENV = {"VEOGATE_RATE_LIMIT_PER_MINUTE": "0", "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0"}
"""With `google_env`: quick polls (0.3 s, backing off to 0.5 s), submit rate not limiting."""

Rows = Callable[[str], list[tuple[object, ...]]]


def create_all(client: httpx.Client) -> list[str]:
    def create(i: int) -> str:
        body = {"model": "veo3.1-fast-official", "prompt": f"relay {i}", "duration": 8}
        response = client.post("/v1/videos/generations", json=body)
        response.raise_for_status()
        return str(response.json()["data"][0]["task_id"])

    with ThreadPoolExecutor(16) as pool:
        return list(pool.map(create, range(JOBS)))


def wait_until(what: str, condition: Callable[[], bool], patience: float) -> None:
    deadline = time.monotonic() + patience
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def hold_then_release(fake: FakeVeo, client: httpx.Client, rows: Rows) -> None:
    """Create JOBS jobs while the upstream holds them; release once all are being polled."""
    fake.script = VeoScript()
    fake.requests.clear()
    fake.holding = True
    ids = create_all(client)
    assert len(set(ids)) == JOBS
    recorded = "SELECT count(*) FROM jobs WHERE upstream_operation IS NOT NULL"
    wait_until("every submit", lambda: rows(recorded)[0][0] == JOBS, 300)

    def every_operation_polled() -> bool:
        return len({r.path for r in fake.received("poll")}) >= JOBS

    wait_until("a poll of every operation", every_operation_polled, 120)
    fake.holding = False
    live = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
    wait_until("every job to end", lambda: rows(live)[0][0] == 0, 600)


def assert_nothing_lost(fake: FakeVeo, rows: Rows, logs: list[Path]) -> None:
    outcomes = dict(rows("SELECT status, count(*) FROM jobs GROUP BY status"))
    assert outcomes == {"succeeded": JOBS}, rows(
        "SELECT error_code, error_message, count(*) FROM jobs WHERE status != 'succeeded'"
        " GROUP BY 1, 2"
    )
    submits = Counter(r.json["instances"][0]["prompt"] for r in fake.received("submit"))
    assert len(submits) == JOBS
    assert set(submits.values()) == {1}, "a job was submitted upstream twice"
    assert rows("SELECT count(DISTINCT job_id) FROM job_outputs") == [(JOBS,)]
    assert rows("SELECT count(*) FROM upstream_operations") == [(0,)]
    text = "\n".join(path.read_text(errors="replace") for path in logs)
    assert "QueuePool limit" not in text
    assert "Traceback" not in text
    assert [line for line in text.splitlines() if " ERROR " in line or "ERROR:" in line] == []


def test_hundreds_in_flight_on_the_embedded_default(tmp_path: Path, fake_veo: FakeVeo) -> None:
    server = ServerProcess(tmp_path / "serve", env=ENV | google_env(fake_veo))
    server.start()
    database = server.data_dir / "veogate.sqlite"

    def rows(query: str) -> list[tuple[object, ...]]:
        with contextlib.closing(sqlite3.connect(database)) as db:
            return list(db.execute(query))

    try:
        with server.client() as client:
            hold_then_release(fake_veo, client, rows)
    finally:
        server.stop()
    assert_nothing_lost(fake_veo, rows, [server.log_path])


def test_hundreds_in_flight_on_one_postgres_worker(
    make_cluster: type[Cluster], fake_veo: FakeVeo
) -> None:
    cluster = make_cluster(ENV | google_env(fake_veo))
    cluster.start(apis=1, workers=1)

    def rows(query: str) -> list[tuple[object, ...]]:
        return sql(cluster.database_url, query)

    with cluster.apis[0].client(cluster.key) as client:
        hold_then_release(fake_veo, client, rows)
    cluster.stop()
    logs = [api.log_path for api in cluster.apis] + [w.log_path for w in cluster.workers]
    assert_nothing_lost(fake_veo, rows, logs)


def test_dropped_database_connections_fail_no_job(
    make_cluster: type[Cluster], fake_veo: FakeVeo
) -> None:
    """Every connection to the database is cut, four times, while 200 jobs are submitted,
    polled and collected: our own infrastructure's hiccup must not fail a job."""
    jobs = 200
    fake_veo.script = VeoScript(seconds_until_done=3)
    fake_veo.requests.clear()
    cluster = make_cluster(ENV | google_env(fake_veo))
    cluster.start(apis=1, workers=1)
    database = cluster.database_url.rsplit("/", 1)[1]
    cut = (
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
        " WHERE datname = %s AND pid <> pg_backend_pid()"
    )
    with cluster.apis[0].client(cluster.key) as client:
        ids = [
            client.post(
                "/v1/videos/generations",
                json={"model": "veo3.1-fast-official", "prompt": f"cut {i}", "duration": 8},
            ).json()["data"][0]["task_id"]
            for i in range(jobs)
        ]
    assert len(set(ids)) == jobs
    severed = []
    for _ in range(4):
        severed.append(sql(PG_ADMIN, cut, (database,))[0][0])
        time.sleep(1.5)
    assert all(n > 0 for n in severed), severed
    live = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
    wait_until("every job to end", lambda: sql(cluster.database_url, live)[0][0] == 0, 300)
    outcomes = dict(sql(cluster.database_url, "SELECT status, count(*) FROM jobs GROUP BY 1"))
    assert outcomes == {"succeeded": jobs}, sql(
        cluster.database_url,
        "SELECT error_code, error_message, count(*) FROM jobs WHERE status != 'succeeded'"
        " GROUP BY 1, 2",
    )
    submits = Counter(r.json["instances"][0]["prompt"] for r in fake_veo.received("submit"))
    assert sorted(submits) == sorted(f"cut {i}" for i in range(jobs))
    assert set(submits.values()) == {1}
