"""Drive many jobs through a cluster and measure how long until all are terminal."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx

from tests.support.cluster import Cluster, sql

BOUNDED_LOAD_JOBS = 300


def load_jobs() -> int:
    """How many jobs the load tests drive: a bounded 300 in the suite (it runs in CI's time),
    `VEOGATE_LOAD_JOBS` for another size (`bench/full_load_tests.sh` runs them at 1,000)."""
    raw = os.environ.get("VEOGATE_LOAD_JOBS")
    return int(raw) if raw else BOUNDED_LOAD_JOBS


@dataclass
class LoadResult:
    jobs: int
    submit_seconds: float
    total_seconds: float
    statuses: dict[str, int]

    @property
    def jobs_per_second(self) -> float:
        return self.jobs / self.total_seconds


def run_load(
    cluster: Cluster, jobs: int, *, timeout: float = 600.0, senders: int = 16
) -> LoadResult:
    """Submit `jobs` apimart jobs round-robin over the API processes; wait for all to end."""
    clients = [
        httpx.Client(
            base_url=api.url, headers={"Authorization": f"Bearer {cluster.key}"}, timeout=60
        )
        for api in cluster.apis
    ]

    def submit(i: int) -> str:
        client = clients[i % len(clients)]
        body = {"model": "veo3.1-fast-official", "prompt": f"load {i}", "duration": 4}
        response = client.post("/v1/videos/generations", json=body)
        response.raise_for_status()
        return str(response.json()["data"][0]["task_id"])

    started = time.monotonic()
    with ThreadPoolExecutor(senders) as pool:
        ids = list(pool.map(submit, range(jobs)))
    submitted = time.monotonic()
    assert len(set(ids)) == jobs
    deadline = started + timeout
    while time.monotonic() < deadline:
        live = sql(
            cluster.database_url, "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
        )
        if live[0][0] == 0:
            break
        time.sleep(0.25)
    finished = time.monotonic()
    statuses = dict(sql(cluster.database_url, "SELECT status, count(*) FROM jobs GROUP BY status"))
    for client in clients:
        client.close()
    return LoadResult(
        jobs, submitted - started, finished - started, {str(k): int(v) for k, v in statuses.items()}
    )
