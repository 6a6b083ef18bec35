"""`/metrics` across processes: two API-only servers and a worker on PostgreSQL, sharing one
`PROMETHEUS_MULTIPROC_DIR`. Either API's scrape shows what every process counted (creates
in both APIs, starts, ends and upstream errors in the worker), equal to the jobs table."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.fakes.google_veo import FakeVeo
from tests.fakes.google_veo_script import Fault, VeoScript
from tests.support.cluster import Cluster, google_env, sql
from tests.support.metrics import scrape, totals

pytestmark = pytest.mark.slow

BODY = {"model": "veo3.1-fast-official", "prompt": "counted everywhere", "duration": 4}


def _create(client: httpx.Client, n: int) -> None:
    response = client.post("/v1/videos/generations", json=BODY | {"seed": n})
    assert response.status_code == 200, response.text


def _wait_until_all_ended(database_url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    live = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
    while sql(database_url, live)[0][0]:
        assert time.monotonic() < deadline, "jobs did not end in time"
        time.sleep(0.2)


def test_one_scrape_adds_up_every_process(
    make_cluster: type[Cluster], fake_veo: FakeVeo, tmp_path: Path
) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    cluster = make_cluster(google_env(fake_veo) | {"PROMETHEUS_MULTIPROC_DIR": str(shared)})
    fake_veo.script = VeoScript(seconds_until_done=0.5, poll_faults=[Fault.status(503)])
    cluster.start(apis=2, workers=1)
    a, b = (api.client(cluster.key) for api in cluster.apis)
    _create(a, 1)
    _create(a, 2)
    _create(b, 3)
    _wait_until_all_ended(cluster.database_url)
    fake_veo.script = VeoScript(seconds_until_done=0.5, samples=1, filtered=1)
    _create(b, 4)  # all of its samples filtered: the job fails
    _wait_until_all_ended(cluster.database_url)

    database = cluster.database_url
    ended = Counter(
        {
            (str(status), str(model), str(provider)): int(n)
            for status, model, provider, n in sql(
                database,
                "SELECT status, public_model, provider, count(*) FROM jobs GROUP BY 1, 2, 3",
            )
        }
    )
    provider = "google-gemini-0"
    assert ended == {
        ("succeeded", BODY["model"], provider): 3,
        ("failed", BODY["model"], provider): 1,
    }
    for api in cluster.apis:  # both see every process's counts
        samples = scrape(api.url)
        accepted = totals(samples, "veogate_jobs_accepted_total", "model", "provider")
        assert accepted == {(BODY["model"], provider): 4}, "2 + 2 creates, in two processes"
        assert totals(samples, "veogate_accept_seconds_count") == {(): 4}
        finished = totals(samples, "veogate_jobs_finished_total", "status", "model", "provider")
        assert finished == ended, "counted in the worker"
        assert totals(samples, "veogate_job_failures_total", "code") == {("content_filtered",): 1}
        errors = totals(samples, "veogate_upstream_errors_total", "provider", "stage")
        assert errors == {(provider, "poll"): 1, (provider, "operation"): 1}
        upstream = totals(samples, "veogate_upstream_duration_seconds_count", "status")
        assert upstream == {("succeeded",): 3, ("failed",): 1}
        assert totals(samples, "veogate_queue_wait_seconds_count") == {(): 4}
        assert ("veogate_upstream_in_flight", {"provider": provider}, 0.0) in samples
        assert ("veogate_upstream_in_flight_limit", {"provider": provider}, 10000.0) in samples
        beating = {labels["executor"] for name, labels, _ in samples if "heartbeat" in name}
        assert beating == {"worker-0"}  # API-only processes run no jobs
    assert len(list(shared.glob("*.db"))) >= 3, "a file per process that counted"
