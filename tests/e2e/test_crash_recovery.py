"""kill -9 the server mid-render, start it again: every job completes, once."""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

from tests.support.mp4 import decode
from tests.support.orphans import commit_without_enqueue
from tests.support.server import ServerProcess, wait_for

pytestmark = pytest.mark.slow


def events(data_dir: Path) -> list[tuple[str, str, int | None]]:
    with sqlite3.connect(data_dir / "veogate.sqlite") as db:
        rows = db.execute(
            "SELECT job_id, kind, json_extract(detail, '$.index') FROM job_events ORDER BY id"
        )
        return [(job, kind, index) for job, kind, index in rows]


def checkpointed(data_dir: Path, step: str) -> Counter[str]:
    """How many times each workflow has a finished, recorded `step` (DBOS's own record)."""
    with sqlite3.connect(data_dir / "dbos.sqlite") as db:
        rows = db.execute(
            "SELECT workflow_uuid FROM operation_outputs WHERE function_name = ?", (step,)
        )
        return Counter(job for (job,) in rows)


def test_kill_9_mid_render_loses_and_repeats_nothing(fresh_server: ServerProcess) -> None:
    fresh_server.start()
    client = fresh_server.client()
    request = {
        "model": "veo3.1-fast-official",
        "prompt": "crash me",
        "duration": 8,
        "sample_count": 2,
    }
    task_ids = [
        client.post("/v1/videos/generations", json={**request, "seed": seed}).json()["data"][0][
            "task_id"
        ]
        for seed in range(3)
    ]
    kyy_id = client.post(
        "/v1/veo/videos", json={"model": "veo_3_1_pro", "prompt": "crash me too"}
    ).json()["id"]

    # Kill once the first job has stored a sample but is still rendering its second.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        stored = [e for e in events(fresh_server.data_dir) if e[1] == "sample_stored"]
        if stored:
            break
        time.sleep(0.05)
    assert stored, "no sample was stored in time"
    time.sleep(0.5)  # the next sample is mid-render now
    fresh_server.kill()
    before = events(fresh_server.data_dir)
    # What DBOS had recorded as finished is the ground truth: samples render in index order,
    # so a job with k recorded render steps had finished samples 0..k-1.
    rendered = checkpointed(fresh_server.data_dir, "veogate.render_sample")
    finished_before = {(job, i) for job, k in rendered.items() for i in range(k)}
    begun_before = set(checkpointed(fresh_server.data_dir, "veogate.begin_job"))
    started_before = {(job, index) for job, kind, index in before if kind == "sample_started"}
    interrupted = started_before - finished_before
    assert interrupted, "the kill did not interrupt a render: nothing to prove"

    fresh_server.start()
    client = fresh_server.client()
    for task_id in task_ids:
        task = wait_for(
            client,
            f"/v1/tasks/{task_id}",
            lambda b: b["data"]["status"] in ("completed", "failed"),
            timeout=180,
        )["data"]
        assert task["status"] == "completed", task
        assert len(task["result"]["videos"]) == 2
        for video in task["result"]["videos"]:
            assert decode(httpx.get(video["url"][0]).content).frames == 192
    kyy = wait_for(
        client,
        f"/v1/result/{kyy_id}",
        lambda b: b["status"] in ("completed", "failed"),
        timeout=180,
    )
    assert kyy["status"] == "completed", kyy

    after = events(fresh_server.data_dir)
    starts = Counter((job, index) for job, kind, index in after if kind == "sample_started")
    for done in finished_before:
        assert starts[done] == 1, f"sample {done} had finished before the kill but ran again"
    for cut in interrupted:
        assert starts[cut] == 2, f"sample {cut} was cut off by the kill and must run again once"
    begins = Counter(job for job, kind, _ in after if kind == "job.started")
    for job in begun_before:
        assert begins[job] == 1, f"job {job} began twice"
    successes = Counter(job for job, kind, _ in after if kind == "job.succeeded")
    assert set(successes.values()) == {1}
    assert len(successes) == len(task_ids) + 1
    stored_files = list((fresh_server.data_dir / "objects" / "jobs").rglob("*.mp4"))
    assert len(stored_files) == 2 * len(task_ids) + 1


def test_job_committed_but_never_enqueued_is_picked_up(fresh_server: ServerProcess) -> None:
    """A crash between committing the job row and enqueueing its workflow loses nothing."""
    fresh_server.start()
    key_id = events_key_id(fresh_server.data_dir)
    fresh_server.stop()
    database_url = f"sqlite+aiosqlite:///{fresh_server.data_dir / 'veogate.sqlite'}"
    job_id = commit_without_enqueue(database_url, key_id)
    fresh_server.start()
    task = wait_for(
        fresh_server.client(),
        f"/v1/tasks/{job_id}",
        lambda b: b["data"]["status"] in ("completed", "failed"),
        timeout=120,
    )["data"]
    assert task["status"] == "completed", task
    assert len(task["result"]["videos"]) == 1


def events_key_id(data_dir: Path) -> str:
    with sqlite3.connect(data_dir / "veogate.sqlite") as db:
        (key_id,) = db.execute("SELECT id FROM api_keys WHERE name = 'bootstrap'").fetchone()
        return str(key_id)
