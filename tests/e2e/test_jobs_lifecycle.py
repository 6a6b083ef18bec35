"""Idempotency, isolation, signed links, Range, cancellation and retention, over real HTTP."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess, wait_for
from veogate.storage.signing import UrlSigner

CANCEL_SETTLE_SECONDS = 3.0  # > the render's cancellation check interval (0.5 s) + a margin
APIMART = {
    "model": "veo3.1-fast-official",
    "prompt": "a lighthouse at dusk",
    "duration": 4,
    "seed": 7,
}


def completed(client: httpx.Client, task_id: str) -> dict:
    task = wait_for(
        client, f"/v1/tasks/{task_id}", lambda b: b["data"]["status"] in ("completed", "failed")
    )
    assert task["data"]["status"] == "completed", task
    return task["data"]


@pytest.fixture(scope="module")
def finished_task(server: ServerProcess) -> dict:
    client = server.client()
    task_id = client.post("/v1/videos/generations", json=APIMART).json()["data"][0]["task_id"]
    return completed(client, task_id)


def test_idempotency_key_returns_same_job(server: ServerProcess) -> None:
    client = server.client()
    headers = {"Idempotency-Key": "order-42"}
    first = client.post("/v1/videos/generations", json=APIMART, headers=headers).json()
    second = client.post("/v1/videos/generations", json=APIMART, headers=headers).json()
    assert first["data"][0]["task_id"] == second["data"][0]["task_id"]

    kyy = {"model": "veo_3_1_fast", "prompt": "same key, other dialect"}
    other = client.post("/v1/veo/videos", json=kyy, headers={"Idempotency-Key": "kyy-1"}).json()
    again = client.post("/v1/veo/videos", json=kyy, headers={"Idempotency-Key": "kyy-1"}).json()
    assert other["id"] == again["id"]
    client.post(f"/v1/veo/videos/{other['id']}/cancel")


def test_idempotency_key_with_other_body_is_409(server: ServerProcess) -> None:
    client = server.client()
    headers = {"Idempotency-Key": "order-43"}
    assert client.post("/v1/videos/generations", json=APIMART, headers=headers).status_code == 200
    changed = {**APIMART, "prompt": "something else"}
    response = client.post("/v1/videos/generations", json=changed, headers=headers)
    assert response.status_code == 409
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_overlong_idempotency_key_is_400(server: ServerProcess) -> None:
    response = server.client().post(
        "/v1/videos/generations", json=APIMART, headers={"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "Idempotency-Key"


def test_idempotency_keys_are_per_api_key(server: ServerProcess) -> None:
    alice = server.client()
    bob = server.client(server.create_key("bob-idem"))
    headers = {"Idempotency-Key": "shared-name"}
    a = alice.post("/v1/videos/generations", json=APIMART, headers=headers).json()["data"][0][
        "task_id"
    ]
    b = bob.post("/v1/videos/generations", json=APIMART, headers=headers).json()["data"][0][
        "task_id"
    ]
    assert a != b


def test_foreign_key_sees_404(server: ServerProcess, finished_task: dict) -> None:
    other = server.client(server.create_key("mallory"))
    response = other.get(f"/v1/tasks/{finished_task['id']}")
    assert response.status_code == 404
    assert other.post(f"/v1/tasks/{finished_task['id']}/cancel").status_code == 404


def test_revoked_key_is_401(server: ServerProcess) -> None:
    import subprocess
    import sys

    secret = server.create_key("short-lived")
    client = server.client(secret)
    assert client.get("/v1/tasks/task_X").status_code == 404
    listing = subprocess.run(
        [
            sys.executable,
            "-m",
            "veogate.cli.main",
            "keys",
            "--data-dir",
            str(server.data_dir),
            "list",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    key_id = next(line.split("\t")[0] for line in listing.splitlines() if "\tshort-lived\t" in line)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "veogate.cli.main",
            "keys",
            "--data-dir",
            str(server.data_dir),
            "revoke",
            key_id,
        ],
        check=True,
        capture_output=True,
    )
    # The server remembers a checked key for VEOGATE_AUTH_CACHE_SECONDS (1 s here).
    statuses = []
    for _ in range(30):
        statuses.append(client.get("/v1/tasks/task_X").status_code)
        if statuses[-1] == 401:
            break
        time.sleep(0.1)
    assert statuses[-1] == 401, statuses
    assert len(statuses) <= 15, "a revoked key kept working past the cache TTL"


def test_every_read_mints_a_fresh_link(server: ServerProcess, finished_task: dict) -> None:
    client = server.client()
    time.sleep(1.1)
    again = client.get(f"/v1/tasks/{finished_task['id']}").json()["data"]
    old, new = finished_task["result"]["videos"][0], again["result"]["videos"][0]
    assert new["expires_at"] > old["expires_at"]
    assert httpx.get(new["url"][0]).status_code == 200


def test_tampered_and_expired_links_are_403(server: ServerProcess, finished_task: dict) -> None:
    url = finished_task["result"]["videos"][0]["url"][0]
    path, _, query = url.removeprefix(server.url).partition("?")
    params = dict(p.split("=", 1) for p in query.split("&"))
    tampered_sig = f"{server.url}{path}?exp={params['exp']}&sig={'A' * len(params['sig'])}"
    later_exp = f"{server.url}{path}?exp={int(params['exp']) + 3600}&sig={params['sig']}"
    other_file = f"{server.url}{path.replace('/0.mp4', '/1.mp4')}?{query}"
    for bad in (tampered_sig, later_exp, other_file, f"{server.url}{path}"):
        assert httpx.get(bad).status_code == 403, bad

    secret = (server.data_dir / "signing.key").read_bytes().strip()
    signer = UrlSigner(secret, server.url, ttl_seconds=60)
    expired = signer.sign(path, now=time.time() - 120)
    assert httpx.get(expired.url).status_code == 403
    fresh = signer.sign(path)
    assert httpx.get(fresh.url).status_code == 200


def test_range_requests(server: ServerProcess, finished_task: dict) -> None:
    url = finished_task["result"]["videos"][0]["url"][0]
    whole = httpx.get(url)
    assert whole.status_code == 200
    assert whole.headers["content-type"] == "video/mp4"
    assert whole.headers["accept-ranges"] == "bytes"
    part = httpx.get(url, headers={"Range": "bytes=100-1099"})
    assert part.status_code == 206
    assert part.content == whole.content[100:1100]
    assert part.headers["content-range"] == f"bytes 100-1099/{len(whole.content)}"
    tail = httpx.get(url, headers={"Range": "bytes=-500"})
    assert tail.status_code == 206
    assert tail.content == whole.content[-500:]


def test_same_seed_same_bytes(server: ServerProcess, finished_task: dict) -> None:
    client = server.client()
    task_id = client.post("/v1/videos/generations", json=APIMART).json()["data"][0]["task_id"]
    again = completed(client, task_id)
    first = httpx.get(finished_task["result"]["videos"][0]["url"][0]).content
    second = httpx.get(again["result"]["videos"][0]["url"][0]).content
    assert first == second


def test_cancel(server: ServerProcess) -> None:
    client = server.client()
    slow = {**APIMART, "duration": 8, "resolution": "1080p", "sample_count": 4}
    task_id = client.post("/v1/videos/generations", json=slow).json()["data"][0]["task_id"]
    cancelled = client.post(f"/v1/tasks/{task_id}/cancel").json()["data"]
    assert cancelled["status"] == "cancelled"
    assert "result" not in cancelled
    assert "error" not in cancelled
    time.sleep(1.0)
    assert client.get(f"/v1/tasks/{task_id}").json()["data"]["status"] == "cancelled"

    kyy = server.client()
    video_id = kyy.post(
        "/v1/veo/videos", json={"model": "veo_3_1_fast", "prompt": "stop me"}
    ).json()["id"]
    body = kyy.post(f"/v1/veo/videos/{video_id}/cancel").json()
    assert (body["status"], body["error"]) == ("failed", "cancelled")


def job_events(server: ServerProcess, job_id: str) -> list[str]:
    with sqlite3.connect(server.data_dir / "veogate.sqlite") as db:
        rows = db.execute("SELECT kind FROM job_events WHERE job_id = ? ORDER BY id", (job_id,))
        return [kind for (kind,) in rows]


def test_cancel_stops_a_running_render(server: ServerProcess) -> None:
    client = server.client()
    slow = {**APIMART, "duration": 8, "resolution": "4K", "sample_count": 4}  # ~7 s a sample
    task_id = client.post("/v1/videos/generations", json=slow).json()["data"][0]["task_id"]
    wait_for(
        client, f"/v1/tasks/{task_id}", lambda b: "sample_started" in job_events(server, task_id)
    )
    assert client.post(f"/v1/tasks/{task_id}/cancel").json()["data"]["status"] == "cancelled"
    time.sleep(CANCEL_SETTLE_SECONDS)
    events = job_events(server, task_id)
    assert events.count("sample_started") == 1, events  # the render stopped; no next sample
    assert "sample_stored" not in events, events
    assert not list((server.data_dir / "objects" / "jobs" / task_id).rglob("*.mp4"))
    assert client.get(f"/v1/tasks/{task_id}").json()["data"]["status"] == "cancelled"


def test_cancelling_logs_no_error(fresh_server: ServerProcess) -> None:
    """A cancel is the client's request, not an error: no ERROR line, no traceback (the
    workflow engine logs a cancelled workflow as an error; veogate says it at INFO)."""
    fresh_server.start()
    client = fresh_server.client()
    body = {**APIMART, "duration": 8, "resolution": "1080p"}
    ids = [
        client.post("/v1/videos/generations", json=body | {"prompt": f"cancel {i}"}).json()["data"][
            0
        ]["task_id"]
        for i in range(3)
    ]
    time.sleep(1.0)  # one is rendering, the others wait in the queue
    for task_id in ids:
        assert client.post(f"/v1/tasks/{task_id}/cancel").json()["data"]["status"] == "cancelled"
    time.sleep(CANCEL_SETTLE_SECONDS)
    fresh_server.stop()
    log = fresh_server.log_path.read_text()
    assert "Traceback" not in log
    assert [line for line in log.splitlines() if "ERROR" in line] == []


def test_status_reads_stay_fast_while_rendering(server: ServerProcess) -> None:
    client = server.client()
    heavy = {**APIMART, "duration": 8, "resolution": "1080p", "sample_count": 2}
    task_id = client.post("/v1/videos/generations", json=heavy).json()["data"][0]["task_id"]
    wait_for(
        client, f"/v1/tasks/{task_id}", lambda b: b["data"]["status"] == "processing", timeout=60
    )
    slowest = 0.0
    for _ in range(20):
        start = time.perf_counter()
        assert client.get(f"/v1/tasks/{task_id}").status_code == 200
        slowest = max(slowest, time.perf_counter() - start)
        time.sleep(0.05)
    client.post(f"/v1/tasks/{task_id}/cancel")
    assert slowest < 1.0, f"a status read took {slowest:.3f}s while rendering"


def test_retention_deletes_files_and_says_so(fresh_server: ServerProcess, tmp_path: Path) -> None:
    fresh_server.env.update(
        {"VEOGATE_RETENTION_DAYS": "0.00003", "VEOGATE_RETENTION_SWEEP_SECONDS": "0.5"}
    )
    fresh_server.start()
    client = fresh_server.client()
    task_id = client.post("/v1/videos/generations", json=APIMART).json()["data"][0]["task_id"]
    task = completed(client, task_id)
    url = task["result"]["videos"][0]["url"][0]
    expired = wait_for(
        client,
        f"/v1/tasks/{task_id}",
        lambda b: b["data"]["result"].get("expired") is True,
        timeout=30,
    )["data"]
    assert expired["status"] == "completed"
    assert expired["result"]["videos"] == []
    assert httpx.get(url).status_code == 404
    assert not list((fresh_server.data_dir / "objects" / "jobs").rglob("*.mp4"))


def test_every_spelling_of_an_id_reads_the_same_job(
    server: ServerProcess, finished_task: dict
) -> None:
    """An apimart task read through kyy, and a kyy video through apimart: each dialect
    names the job in its own spelling, and every spelling finds it."""
    client = server.client()
    task_id = finished_task["id"]
    ref = task_id.removeprefix("task_").lower()
    as_kyy = client.get(f"/v1/result/vgen_{ref}").json()
    assert (as_kyy["id"], as_kyy["status"]) == (f"vgen_{ref}", "completed")
    assert client.get(f"/v1/result/{task_id}").json()["id"] == f"vgen_{ref}"
    assert client.get(f"/v1/tasks/vgen_{ref}").json()["data"]["id"] == task_id

    video_id = client.post(
        "/v1/veo/videos", json={"model": "veo_3_1_fast", "prompt": "both ways"}
    ).json()["id"]
    video_ref = video_id.removeprefix("vgen_")
    assert client.get(f"/v1/tasks/{video_id}").json()["data"]["id"] == f"task_{video_ref.upper()}"
    cancelled = client.post(f"/v1/tasks/task_{video_ref.upper()}/cancel").json()["data"]
    assert cancelled["status"] == "cancelled"
    assert client.get(f"/v1/result/{video_id}").json()["error"] == "cancelled"
    # Another key's job is not found under any spelling.
    other = server.client(server.create_key("eve"))
    assert other.get(f"/v1/result/vgen_{ref}").status_code == 404
