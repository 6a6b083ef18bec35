"""Server-sent events and `Prefer: wait` over real HTTP, against `veogate serve` processes."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.cluster import WorkerProcess
from tests.support.server import ServerProcess
from tests.support.sse import Listener, Message, events, longest_latency, messages

APIMART = {"model": "veo3.1-fast-official", "prompt": "a lighthouse at dusk", "duration": 4}
LONG = {"model": "veo3.1-fast-official", "prompt": "a slow sunrise", "duration": 8}
KYY = {"model": "veo_3_1_fast", "prompt": "a paper boat"}
ENV = {
    "VEOGATE_EVENTS_HEARTBEAT_SECONDS": "1",
    "VEOGATE_EVENTS_MAX_STREAMS_PER_KEY": "3",
    "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
    "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("events"), env=ENV)
    proc.start()
    yield proc
    proc.stop()


def _create(client: httpx.Client, body: dict[str, Any] = APIMART) -> str:
    response = client.post("/v1/videos/generations", json=body)
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["task_id"])


def _stream(client: httpx.Client, path: str, **headers: str) -> list[Message]:
    """Every event of a stream that ends by itself."""
    with client.stream("GET", path, headers=headers) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        assert response.headers["x-accel-buffering"] == "no"
        return list(events(response))


def test_a_job_stream_replays_streams_live_ends_and_resumes(server: ServerProcess) -> None:
    client = server.client()
    task_id = _create(client)

    got = _stream(client, f"/v1/jobs/{task_id}/events")  # returns once the server closed it

    types = [m.event for m in got]
    assert types[:2] == ["job.queued", "job.started"]
    assert types[-1] == "job.succeeded"
    assert set(types[2:-1]) == {"job.progress"}, types
    assert len(types) > 3, "no progress was streamed"
    ids = [m.id for m in got]
    assert all(i is not None and i.startswith("evt_") for i in ids)
    assert ids == sorted(ids)
    for message in got:
        assert message.data is not None
        assert message.data["type"] == message.event
        assert message.job_id == task_id
    final = got[-1].data
    assert final is not None
    assert final["data"]["data"]["status"] == "completed"
    assert final["data"]["data"]["result"]["videos"][0]["url"]

    middle = got[1]  # job.started
    resumed = _stream(client, f"/v1/jobs/{task_id}/events", **{"Last-Event-ID": str(middle.id)})
    assert [m.id for m in resumed] == ids[2:]
    by_query = _stream(client, f"/v1/jobs/{task_id}/events?last_event_id={ids[-2]}")
    assert [m.id for m in by_query] == ids[-1:]
    # Resumed after its end: 204, which tells an EventSource to stop reconnecting.
    done = client.get(f"/v1/jobs/{task_id}/events", headers={"Last-Event-ID": str(ids[-1])})
    assert done.status_code == 204


def test_the_key_stream_carries_the_callers_jobs_only(server: ServerProcess) -> None:
    alice = server.client(server.create_key("alice-events"))
    bob = server.client(server.create_key("bob-events"))
    alices = Listener(alice, "/v1/events").start()
    bobs = Listener(bob, "/v1/events").start()
    try:
        mine = _create(alice)
        video = alice.post("/v1/veo/videos", json=KYY).json()["id"]
        theirs = _create(bob)

        got = alices.until(_all_succeeded({mine, video}))
        assert {m.job_id for m in got} == {mine, video}
        (kyy_end,) = [m for m in got if m.job_id == video and m.event == "job.succeeded"]
        assert kyy_end.data is not None
        assert kyy_end.data["data"]["status"] == "completed"  # kyy's own status body
        assert kyy_end.data["data"]["video_url"]
        seen_by_bob = bobs.until(_all_succeeded({theirs}))
        assert {m.job_id for m in seen_by_bob} == {theirs}
    finally:
        alices.close()
        bobs.close()

    # Resuming the key's stream replays what came after, then goes on live.
    resumed = Listener(alice, "/v1/events", {"Last-Event-ID": str(got[-3].id)}).start()
    try:
        replayed = resumed.until(lambda m: m.id == got[-1].id)
        assert [m.id for m in replayed] == [m.id for m in got[-2:]]
    finally:
        resumed.close()


def _all_succeeded(job_ids: set[str]) -> Callable[[Message], bool]:
    ended: set[str] = set()

    def done(message: Message) -> bool:
        if message.event == "job.succeeded":
            ended.add(message.job_id)
        return ended == job_ids

    return done


def _status_of(client: httpx.Client, path: str) -> int:
    """The status code of a stream, which is closed at once."""
    with client.stream("GET", path) as response:
        return response.status_code


def test_a_quiet_stream_sends_heartbeats(server: ServerProcess) -> None:
    client = server.client(server.create_key("quiet"))
    started = time.monotonic()
    with client.stream("GET", "/v1/events") as response:
        assert response.status_code == 200
        for message in messages(response):
            if message.comment == "keepalive":
                break
    assert 0.8 < time.monotonic() - started < 3.0


def test_refusals_are_json_before_the_stream_starts(server: ServerProcess) -> None:
    owner = server.client()
    task_id = _create(owner, LONG)
    stranger = server.client(server.create_key("stranger-events"))

    anonymous = httpx.get(f"{server.url}/v1/jobs/{task_id}/events")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    foreign = stranger.get(f"/v1/jobs/{task_id}/events")
    assert foreign.status_code == 404
    assert foreign.json()["error"]["code"] == "not_found"
    assert stranger.get("/v1/jobs/task_nope/events").status_code == 404
    bad = owner.get(f"/v1/jobs/{task_id}/events", headers={"Last-Event-ID": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "Last-Event-ID"
    assert httpx.get(f"{server.url}/v1/events").status_code == 401
    owner.post(f"/v1/tasks/{task_id}/cancel")


def test_streams_per_key_are_bounded_and_given_back(server: ServerProcess) -> None:
    client = server.client(server.create_key("greedy"))
    open_streams = [Listener(client, "/v1/events").start() for _ in range(3)]
    refused = client.get("/v1/events")
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_streams"
    assert refused.headers["retry-after"] == "5"
    for listener in open_streams:
        listener.close()  # each closes its connection at its next heartbeat
    deadline = time.monotonic() + 10
    while _status_of(client, "/v1/events") == 429:
        assert time.monotonic() < deadline, "closed streams were not given back"
        time.sleep(0.2)


def test_prefer_wait_holds_a_status_read_until_the_job_ends(server: ServerProcess) -> None:
    client = server.client()
    task_id = _create(client)
    started = time.monotonic()
    response = client.get(f"/v1/tasks/{task_id}", headers={"Prefer": "wait=30"}, timeout=40)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.headers["preference-applied"] == "wait=30"
    assert response.json()["data"]["status"] == "completed"
    assert elapsed < 20
    print(f"\nPrefer: wait=30 on a running 4 s job answered after {elapsed:.2f}s")

    # An ended job answers at once; too long a wait is lowered; a malformed one is ignored.
    for prefer, applied in [("wait=999", "wait=60"), ("respond-async, wait=5", "wait=5")]:
        started = time.monotonic()
        again = client.get(f"/v1/tasks/{task_id}", headers={"Prefer": prefer})
        assert again.headers["preference-applied"] == applied
        assert time.monotonic() - started < 1
    malformed = client.get(f"/v1/tasks/{task_id}", headers={"Prefer": "wait=soon"})
    assert "preference-applied" not in malformed.headers


def test_prefer_wait_gives_up_after_its_seconds(server: ServerProcess) -> None:
    client = server.client()
    # Renders that outlast the three 1 s waits even on a fast machine.
    task_id = _create(client, LONG | {"resolution": "1080p", "sample_count": 4})
    video = client.post("/v1/veo/videos", json=KYY | {"resolution": "1080p"}).json()["id"]
    try:
        for path in (f"/v1/tasks/{task_id}", f"/v1/result/{video}", f"/v1/veo/videos/{video}"):
            started = time.monotonic()
            response = client.get(path, headers={"Prefer": "wait=1"})
            elapsed = time.monotonic() - started
            assert response.headers["preference-applied"] == "wait=1"
            body = response.json()
            status = body["data"]["status"] if "data" in body else body["status"]
            assert status in ("pending", "queued", "processing"), body
            assert 0.9 < elapsed < 4, elapsed  # ~1 s; the margin is for a busy machine
    finally:
        client.post(f"/v1/tasks/{task_id}/cancel")
        client.post(f"/v1/veo/videos/{video}/cancel")


def test_prefer_wait_on_a_create(server: ServerProcess) -> None:
    client = server.client()
    started = time.monotonic()
    response = client.post("/v1/veo/videos", json=KYY, headers={"Prefer": "wait=45"}, timeout=60)
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.headers["preference-applied"] == "wait=45"
    assert response.json()["status"] == "completed"  # kyy's create body, as of now
    assert set(response.json()) == {"id", "object", "created", "model", "status"}
    print(f"\nPrefer: wait=45 on a kyy create answered after {elapsed:.2f}s")

    apimart = client.post("/v1/videos/generations", json=APIMART, headers={"Prefer": "wait=1"})
    assert apimart.headers["preference-applied"] == "wait=1"
    assert apimart.json()["data"][0]["status"] == "submitted"  # apimart's create body


def test_shutdown_ends_open_streams_at_once(tmp_path: Path) -> None:
    proc = ServerProcess(tmp_path / "veogate", env=ENV | {"VEOGATE_SHUTDOWN_GRACE_SECONDS": "20"})
    proc.start()
    try:
        listener = Listener(proc.client(), "/v1/events").start()
        started = time.monotonic()
        proc.stop()  # SIGTERM, then waits for the process to exit
        assert time.monotonic() - started < 10, "the open stream held the shutdown"
        assert listener.ended(seconds=1)
    finally:
        proc.kill()


def test_a_worker_process_event_reaches_an_api_process_stream(tmp_path: Path) -> None:
    """SQLite: `serve --no-worker` and `veogate worker` share the data directory."""
    data_dir = tmp_path / "shared"
    api = ServerProcess(data_dir, env=ENV)
    api.args = ["--no-worker"]
    api.start()
    worker = WorkerProcess(data_dir, "worker-0", {"VEOGATE_QUEUE_POLL_SECONDS": "0.1", **ENV})
    try:
        worker.start()
        client = api.client()
        listener = Listener(client, "/v1/events").start()
        task_id = _create(client)
        got = listener.until(lambda m: m.event == "job.succeeded" and m.job_id == task_id)
        listener.close()
        assert longest_latency("SQLite, worker -> API process", got) < 1.0
    finally:
        worker.stop()
        api.stop()
