"""Events across processes on PostgreSQL: a worker writes them, API-only processes stream them
(LISTEN/NOTIFY), and `Prefer: wait` on an API process hears a worker end the job."""

from __future__ import annotations

import time

import pytest

from tests.support.cluster import Cluster
from tests.support.sse import Listener, longest_latency

pytestmark = pytest.mark.slow

APIMART = {"model": "veo3.1-fast-official", "prompt": "across processes", "duration": 4}
ENV = {"VEOGATE_EVENTS_HEARTBEAT_SECONDS": "1"}


def test_worker_events_reach_every_api_process_within_a_second(
    make_cluster: type[Cluster],
) -> None:
    cluster = make_cluster(ENV)
    cluster.start(apis=2, workers=1)
    a, b = (api.client(cluster.key) for api in cluster.apis)
    on_a = Listener(a, "/v1/events").start()
    on_b = Listener(b, "/v1/events").start()
    try:
        task_id = a.post("/v1/videos/generations", json=APIMART).json()["data"][0]["task_id"]
        for name, listener in (("a", on_a), ("b", on_b)):
            got = listener.until(lambda m: m.event == "job.succeeded")
            assert [m.event for m in got][:2] == ["job.queued", "job.started"]
            assert {m.job_id for m in got} == {task_id}
            assert longest_latency(f"PostgreSQL, worker -> API process {name}", got) < 1.0
    finally:
        on_a.close()
        on_b.close()


def test_prefer_wait_on_an_api_process_hears_the_worker_end_the_job(
    make_cluster: type[Cluster],
) -> None:
    cluster = make_cluster(ENV)
    cluster.start(apis=1, workers=1)
    client = cluster.apis[0].client(cluster.key)
    task_id = client.post("/v1/videos/generations", json=APIMART).json()["data"][0]["task_id"]
    started = time.monotonic()
    response = client.get(f"/v1/tasks/{task_id}", headers={"Prefer": "wait=60"}, timeout=70)
    assert response.headers["preference-applied"] == "wait=60"
    assert response.json()["data"]["status"] == "completed"
    assert time.monotonic() - started < 30
