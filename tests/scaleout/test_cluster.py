"""Scale-out: API-only processes and workers on PostgreSQL, S3 (moto) storage."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.fakes.google_veo import FakeVeo
from tests.fakes.google_veo_script import Fault, VeoScript
from tests.support.cluster import Cluster, google_env, sql
from tests.support.moto import MotoServer
from tests.support.mp4 import decode
from tests.support.orphans import commit_without_enqueue
from tests.support.server import wait_for

pytestmark = pytest.mark.slow


def finished(client: httpx.Client, task_id: str, timeout: float = 120) -> dict[str, Any]:
    return wait_for(
        client,
        f"/v1/tasks/{task_id}",
        lambda b: b["data"]["status"] in ("completed", "failed", "cancelled"),
        timeout=timeout,
    )["data"]


def test_both_dialects_across_two_apis_and_two_workers(
    make_cluster: type[Cluster], moto: MotoServer
) -> None:
    cluster = make_cluster(moto.veogate_env("cluster-e2e"))
    cluster.start(apis=2, workers=2)
    a, b = (api.client(cluster.key) for api in cluster.apis)

    body = {"model": "veo3.1-fast-official", "prompt": "across processes", "duration": 4}
    headers = {"Idempotency-Key": "cross-process"}
    first = a.post("/v1/videos/generations", json=body, headers=headers).json()
    again = b.post("/v1/videos/generations", json=body, headers=headers).json()
    assert first["data"][0]["task_id"] == again["data"][0]["task_id"]
    conflict = b.post("/v1/videos/generations", json=body | {"duration": 6}, headers=headers)
    assert conflict.status_code == 409

    kyy = b.post("/v1/veo/videos", json={"model": "veo_3_1_fast", "prompt": "kyy on S3"}).json()
    task = finished(b, first["data"][0]["task_id"])  # read through the *other* API process
    assert task["status"] == "completed", task
    url = task["result"]["videos"][0]["url"][0]
    assert url.startswith(moto.endpoint + "/")  # presigned by S3, not served by veogate
    decoded = decode(httpx.get(url).content)
    assert (decoded.width, decoded.height, decoded.frames) == (1280, 720, 96)
    part = httpx.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206
    assert len(part.content) == 100

    video = wait_for(a, f"/v1/result/{kyy['id']}", lambda r: r["status"] in ("completed", "failed"))
    assert video["status"] == "completed", video
    assert decode(httpx.get(video["video_url"]).content).frames == 192
    keys = {o["Key"] for o in moto.client().list_objects_v2(Bucket=moto.bucket)["Contents"]}
    assert f"cluster-e2e/jobs/{kyy['id']}/0.mp4" in keys
    ran_on = {
        row[0] for row in sql(cluster.database_url, "SELECT executor_id FROM dbos.workflow_status")
    }
    assert ran_on <= {"worker-0", "worker-1"}
    assert not list(cluster.root.rglob("*.mp4")), "outputs belong in S3, not on local disk"


def test_dead_worker_jobs_are_taken_over_without_a_second_submit(
    make_cluster: type[Cluster], fake_veo: FakeVeo, moto: MotoServer
) -> None:
    fake_veo.script = VeoScript(seconds_until_done=6)
    fake_veo.requests.clear()
    env = (
        google_env(fake_veo)
        | moto.veogate_env("takeover")
        | {
            "VEOGATE_HEARTBEAT_SECONDS": "0.5",
            "VEOGATE_DEAD_WORKER_GRACE_SECONDS": "3",
        }
    )
    cluster = make_cluster(env)
    cluster.start(apis=1, workers=2)
    client = cluster.apis[0].client(cluster.key)
    body = {"model": "veo3.1-quality-official", "prompt": "survive", "duration": 8}
    ids = [
        client.post("/v1/videos/generations", json=body | {"prompt": f"job {i}"}).json()["data"][0][
            "task_id"
        ]
        for i in range(6)
    ]
    recorded = "SELECT count(*) FROM jobs WHERE upstream_operation IS NOT NULL"
    deadline = time.monotonic() + 30
    while sql(cluster.database_url, recorded)[0][0] < len(ids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(fake_veo.received("submit")) == len(ids)  # all submitted, and all recorded
    # A job waiting upstream is the pollers' (any live worker's); a job still in its workflow
    # is that worker's until it dies. Kill the worker that holds the most of either.
    owners = dict(
        sql(
            cluster.database_url,
            "SELECT workflow_uuid, executor_id FROM dbos.workflow_status WHERE status = 'PENDING'",
        )
    )
    busiest = max(
        cluster.workers, key=lambda w: sum(1 for o in owners.values() if o == w.executor_id)
    )
    busiest.kill()
    # The workflows the dead worker left unfinished (read after the kill: one could still
    # end between the query above and the kill).
    victims = [
        row[0]
        for row in sql(
            cluster.database_url,
            "SELECT workflow_uuid FROM dbos.workflow_status"
            " WHERE status = 'PENDING' AND executor_id = %s",
            (busiest.executor_id,),
        )
    ]

    for task_id in ids:
        task = finished(client, task_id)
        assert task["status"] == "completed", task
    submits = [s.json["instances"][0]["prompt"] for s in fake_veo.received("submit")]
    assert sorted(submits) == sorted(f"job {i}" for i in range(6))  # one paid submit per job
    owners_after = dict(
        sql(cluster.database_url, "SELECT workflow_uuid, executor_id FROM dbos.workflow_status")
    )
    survivor = next(w for w in cluster.workers if w is not busiest)
    assert all(owners_after[job] == survivor.executor_id for job in victims)
    # Nothing is left waiting: the dead worker's leases ran out and the survivor polled.
    assert not sql(cluster.database_url, "SELECT job_id FROM upstream_operations")
    reaped = sql(
        cluster.database_url, "SELECT id, reaped_by FROM executors WHERE reaped_by IS NOT NULL"
    )
    assert reaped == [(busiest.executor_id, survivor.executor_id)]


def test_worker_dying_mid_submit_never_submits_twice(
    make_cluster: type[Cluster], fake_veo: FakeVeo, moto: MotoServer
) -> None:
    """The request went out, the worker died before the answer was recorded: the job fails
    as "may have been accepted" instead of paying for a second upstream job."""
    fake_veo.script = VeoScript(submit_faults=[Fault.hang(8)])
    fake_veo.requests.clear()
    env = (
        google_env(fake_veo)
        | moto.veogate_env("mid-submit")
        | {
            "VEOGATE_HEARTBEAT_SECONDS": "0.5",
            "VEOGATE_DEAD_WORKER_GRACE_SECONDS": "2",
        }
    )
    cluster = make_cluster(env)
    cluster.start(apis=1, workers=2)
    client = cluster.apis[0].client(cluster.key)
    body = {"model": "veo3.1-quality-official", "prompt": "in flight", "duration": 8}
    task_id = client.post("/v1/videos/generations", json=body).json()["data"][0]["task_id"]
    deadline = time.monotonic() + 30
    while not fake_veo.received("submit") and time.monotonic() < deadline:
        time.sleep(0.05)
    (owner,) = sql(
        cluster.database_url,
        "SELECT executor_id FROM dbos.workflow_status WHERE workflow_uuid = %s",
        (task_id,),
    )[0]
    next(w for w in cluster.workers if w.executor_id == owner).kill()

    task = finished(client, task_id)
    assert task["status"] == "failed", task
    assert "after the request was sent" in task["error"]["message"]
    assert "may have accepted" in task["error"]["message"]
    assert len(fake_veo.received("submit")) == 1


def test_job_accepted_by_a_dying_api_is_picked_up(
    make_cluster: type[Cluster], moto: MotoServer
) -> None:
    """An API process that dies right after committing a job leaves it in the inbox: a
    worker's dispatcher hands it over. A job marked handed over whose workflow never reached
    the engine is found by the worker's reconciliation and enqueued again."""
    cluster = make_cluster(moto.veogate_env("orphans") | {"VEOGATE_RECONCILE_SECONDS": "1"})
    cluster.start(apis=1, workers=1)
    (key_id,) = sql(cluster.database_url, "SELECT id FROM api_keys WHERE name = 'cluster-test'")[0]

    in_inbox = commit_without_enqueue(cluster.database_url, str(key_id))
    lost = commit_without_enqueue(cluster.database_url, str(key_id), dispatched=True)
    client = cluster.apis[0].client(cluster.key)
    for job_id in (in_inbox, lost):
        task = finished(client, job_id, timeout=60)
        assert task["status"] == "completed", task
    log = cluster.workers[0].log_path.read_text()
    assert "1 live jobs had no workflow; enqueueing them" in log


def test_sigterm_drains_and_exits(make_cluster: type[Cluster], moto: MotoServer) -> None:
    cluster = make_cluster(moto.veogate_env("drain") | {"VEOGATE_SHUTDOWN_GRACE_SECONDS": "20"})
    cluster.start(apis=1, workers=1)
    client = cluster.apis[0].client(cluster.key)
    body = {
        "model": "veo3.1-fast-official",
        "prompt": "finish me",
        "duration": 8,
        "resolution": "1080p",
    }
    task_id = client.post("/v1/videos/generations", json=body).json()["data"][0]["task_id"]
    wait_for(client, f"/v1/tasks/{task_id}", lambda b: b["data"]["status"] == "processing")
    worker = cluster.workers[0]
    started = time.monotonic()
    assert worker.stop() == 0
    assert time.monotonic() - started < 25
    assert "stopping: no new work" in worker.log_path.read_text()
    # The running render finished inside the grace period and was recorded.
    task = client.get(f"/v1/tasks/{task_id}").json()["data"]
    assert task["status"] == "completed", task
    stopped = sql(cluster.database_url, "SELECT stopped_at FROM executors")
    assert stopped[0][0] is not None
