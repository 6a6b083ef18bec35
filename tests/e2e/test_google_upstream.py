"""Both seed dialects end to end through the Google Veo provider, against a fake Google
speaking the real REST routes (driven by the real google-genai SDK inside veogate)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import httpx
import pytest

from tests.fakes.google_veo import FakeVeo
from tests.fakes.google_veo_script import Fault, VeoScript, tiny_mp4
from tests.support.images import data_uri, quadrants
from tests.support.server import ServerProcess, wait_for

FAST = {
    "VEOGATE_POLL_INITIAL_SECONDS": "0.2",
    "VEOGATE_POLL_MAX_SECONDS": "0.4",
    "VEOGATE_UPSTREAM_RETRY_BASE_SECONDS": "0.2",
    "VEOGATE_UPSTREAM_RETRY_MAX_SECONDS": "1",
    "VEOGATE_GOOGLE_REQUEST_TIMEOUT_SECONDS": "2",
    "VEOGATE_GOOGLE_REQUESTS_PER_MINUTE": "1000",
    "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
}


def gemini_env(fake: FakeVeo, keys: tuple[str, ...] = ("test-key",)) -> dict[str, str]:
    """A veogate server using the fake as its Gemini API, with quick polls and retries."""
    return FAST | {
        "VEOGATE_GOOGLE_API_KEYS": json.dumps(list(keys)),
        "VEOGATE_GOOGLE_BASE_URL": fake.base_url,
    }


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeVeo]:
    veo = FakeVeo().start()
    yield veo
    veo.stop()


@pytest.fixture(scope="module")
def gemini(tmp_path_factory: pytest.TempPathFactory, fake: FakeVeo) -> Iterator[ServerProcess]:
    env = gemini_env(fake)
    proc = ServerProcess(tmp_path_factory.mktemp("gemini"), env=env)
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(autouse=True)
def clean_script(fake: FakeVeo) -> None:
    fake.script = VeoScript()
    fake.requests.clear()


def recorded_operations(server: ServerProcess) -> int:
    """Jobs whose upstream operation name is recorded (the submit's answer was kept)."""
    with sqlite3.connect(server.data_dir / "veogate.sqlite") as db:
        (count,) = db.execute("SELECT count(*) FROM jobs WHERE upstream_operation IS NOT NULL")
        return int(count[0])


def packets(mp4: bytes) -> list[str]:
    with av.open(io.BytesIO(mp4)) as container:
        return [hashlib.sha256(bytes(p)).hexdigest() for p in container.demux() if p.size]


def apimart(server: ServerProcess, body: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
    client = server.client()
    response = client.post("/v1/videos/generations", json=body)
    assert response.status_code == 200, response.text
    return apimart_wait(server, response.json()["data"][0]["task_id"], timeout)


APIMART = {"model": "veo3.1-quality-official", "prompt": "a golden retriever", "duration": 6}


def test_kyy_seed_example_through_gemini(gemini: ServerProcess, fake: FakeVeo) -> None:
    refs = [data_uri(quadrants(320, 180), "JPEG"), data_uri(quadrants(200, 200))]
    body = {
        "model": "veo_3_1_fast",
        "prompt": "A cat dancing in the rain, cinematic style",
        "aspect_ratio": "16:9",
        "resolution": "1080p",
        "input_reference": refs,
    }
    client = gemini.client()
    created = client.post("/kyyReactApiServer/veo/videos", json=body).json()
    done = wait_for(
        client, f"/v1/result/{created['id']}", lambda b: b["status"] in ("completed", "failed")
    )
    assert done["status"] == "completed", done
    video = httpx.get(done["video_url"]).content
    assert packets(video) == packets(tiny_mp4(0))  # stored as received: remuxed, not re-encoded
    assert done["actualDuration"] == pytest.approx(1.0, abs=0.05)  # measured, not asked

    (submit,) = fake.received("submit")
    assert submit.path == "/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning"
    assert submit.headers["x-goog-api-key"] == "test-key"
    instance, params = submit.json["instances"][0], submit.json["parameters"]
    assert instance["prompt"] == body["prompt"]
    sent = [base64.b64decode(r["image"]["bytesBase64Encoded"]) for r in instance["referenceImages"]]
    assert sent == [base64.b64decode(uri.split(",", 1)[1]) for uri in refs]
    assert [r["referenceType"] for r in instance["referenceImages"]] == ["asset", "asset"]
    assert params["aspectRatio"] == "16:9"
    assert params["resolution"] == "1080p"
    assert params["durationSeconds"] == 8
    assert params["sampleCount"] == 1
    assert "seed" not in params
    assert "generateAudio" not in params
    assert any("seed" in w for w in done["warnings"])


def test_apimart_through_gemini_with_samples_and_frames(
    gemini: ServerProcess, fake: FakeVeo
) -> None:
    first, last = quadrants(300, 300), quadrants(640, 360)
    task = apimart(
        gemini,
        APIMART
        | {
            "sample_count": 3,
            "negative_prompt": "blurry",
            "aspect_ratio": "9:16",
            "person_generation": "disallow",
            "enhance_prompt": False,
            "first_frame_image": data_uri(first),
            "last_frame_image": data_uri(last, "JPEG"),
        },
    )
    assert task["status"] == "completed", task
    videos = task["result"]["videos"]
    assert [packets(httpx.get(v["url"][0]).content) for v in videos] == [
        packets(tiny_mp4(i)) for i in range(3)
    ]
    params = fake.received("submit")[0].json["parameters"]
    instance = fake.received("submit")[0].json["instances"][0]
    assert params["negativePrompt"] == "blurry"
    assert params["personGeneration"] == "dont_allow"
    assert params["enhancePrompt"] is False
    assert params["durationSeconds"] == 6
    assert params["sampleCount"] == 3
    assert instance["image"]["mimeType"] == "image/png"
    assert instance["lastFrame"]["mimeType"] == "image/jpeg"
    assert len(fake.received("poll")) >= 1
    assert task["progress"] == 100


def test_retry_after_then_success(gemini: ServerProcess, fake: FakeVeo) -> None:
    fake.script = VeoScript(
        submit_faults=[Fault.status(429, retry_after=1)] * 2,
        poll_faults=[Fault.status(503)] * 2,
    )
    task = apimart(gemini, APIMART)
    assert task["status"] == "completed", task
    submits = fake.received("submit")
    assert len(submits) == 3  # two refused (429), one accepted: one paid job


@pytest.mark.parametrize(
    ("script", "code", "words"),
    [
        (VeoScript(filtered=1, samples=1, filtered_reasons=["child safety"]), 400, "child safety"),
        (VeoScript(operation_error=(3, "prompt was rejected")), 502, "prompt was rejected"),
        (VeoScript(submit_faults=[Fault.status(400)]), 502, "HTTP 400"),
        (VeoScript(submit_faults=[Fault.malformed()]), 502, "malformed"),
        (VeoScript(poll_faults=[Fault.status(500)] * 10), 502, "gave up"),
    ],
    ids=["all filtered", "operation error", "upstream 400", "malformed submit", "5xx burst"],
)
def test_failures_are_reported_honestly(
    gemini: ServerProcess, fake: FakeVeo, script: VeoScript, code: int, words: str
) -> None:
    fake.script = script
    task = apimart(gemini, APIMART)
    assert task["status"] == "failed", task
    assert words in task["error"]["message"]
    assert task["error"]["code"] == code
    assert task["error"]["type"] == ("server_error" if code >= 500 else "invalid_request_error")
    assert len(fake.received("submit")) <= 1 or words == "gave up"


def test_partial_filtering_is_recorded(gemini: ServerProcess, fake: FakeVeo) -> None:
    fake.script = VeoScript(filtered=1, filtered_reasons=["violence"])
    task = apimart(gemini, APIMART | {"sample_count": 2})
    assert task["status"] == "completed", task
    assert len(task["result"]["videos"]) == 1
    assert any("1 of 2" in w and "violence" in w for w in task["warnings"])


def test_download_redirect_is_followed(gemini: ServerProcess, fake: FakeVeo) -> None:
    fake.script = VeoScript(download_redirect=True)
    task = apimart(gemini, APIMART)
    assert task["status"] == "completed", task
    assert any(r.path.startswith("/blobs/") for r in fake.received("download"))


def test_submit_timeout_is_not_retried(gemini: ServerProcess, fake: FakeVeo) -> None:
    fake.script = VeoScript(submit_faults=[Fault.hang(4)])
    task = apimart(gemini, APIMART)
    assert task["status"] == "failed", task
    assert "may have accepted" in task["error"]["message"]
    assert task["error"]["code"] == 502
    assert len(fake.received("submit")) == 1


def test_deadline(tmp_path: Path, fake: FakeVeo) -> None:
    fake.script = VeoScript(seconds_until_done=60)
    env = gemini_env(fake) | {
        "VEOGATE_JOB_DEADLINE_SECONDS": "3",
    }
    proc = ServerProcess(tmp_path / "deadline", env=env)
    proc.start()
    try:
        task = apimart(proc, APIMART)
    finally:
        proc.stop()
    assert task["status"] == "failed"
    assert "deadline" in task["error"]["message"]


def test_vertex_ai_end_to_end(tmp_path: Path, fake: FakeVeo) -> None:
    project = {"project": "proj-1", "location": "us-central1", "access_token": "test-token"}
    env = FAST | {
        "VEOGATE_VERTEX_PROJECTS": json.dumps([project]),
        "VEOGATE_GOOGLE_BASE_URL": fake.base_url,
    }
    proc = ServerProcess(tmp_path / "vertex", env=env)
    proc.start()
    try:
        task = apimart(
            proc,
            APIMART
            | {
                "seed": 99,
                "generate_audio": True,
                "sample_count": 2,
                "resize_mode": "crop",
                "first_frame_image": data_uri(quadrants(320, 320)),
            },
        )
        kyy = proc.client().post(
            "/v1/veo/videos", json={"model": "veo_3_1_pro", "prompt": "vertex"}
        )
        kyy_done = wait_for(
            proc.client(),
            f"/v1/result/{kyy.json()['id']}",
            lambda b: b["status"] in ("completed", "failed"),
        )
        assert task["status"] == "completed", task
        assert "warnings" not in task
        assert kyy_done["status"] == "completed", kyy_done
        submit = fake.received("submit")[0]
        assert submit.path == (
            "/v1/projects/proj-1/locations/us-central1/publishers/google/models/"
            "veo-3.1-generate-001:predictLongRunning"
        )
        assert submit.headers["authorization"] == "Bearer test-token"
        params = submit.json["parameters"]
        assert params["seed"] == 99
        assert params["generateAudio"] is True
        assert params["resizeMode"].lower() == "crop"
        videos = task["result"]["videos"]
        assert len(videos) == 2
        assert packets(httpx.get(videos[1]["url"][0]).content) == packets(tiny_mp4(1))
    finally:
        proc.stop()


@pytest.mark.slow
def test_kill_9_while_polling_never_submits_twice(tmp_path: Path, fake: FakeVeo) -> None:
    fake.script = VeoScript(seconds_until_done=4)
    env = gemini_env(fake)
    proc = ServerProcess(tmp_path / "crash", env=env)
    proc.start()
    try:
        client = proc.client()
        ids = [
            client.post("/v1/videos/generations", json=APIMART | {"prompt": f"job {i}"}).json()[
                "data"
            ][0]["task_id"]
            for i in range(3)
        ]
        kyy_id = client.post(
            "/v1/veo/videos", json={"model": "veo_3_1_fast", "prompt": "k"}
        ).json()["id"]
        wait_for(client, f"/v1/result/{kyy_id}", lambda b: recorded_operations(proc) == 4)
        time.sleep(0.3)  # polling now
        proc.kill()
        proc.start()
        client = proc.client()
        for task_id in ids:
            task = wait_for(
                client,
                f"/v1/tasks/{task_id}",
                lambda b: b["data"]["status"] in ("completed", "failed"),
            )["data"]
            assert task["status"] == "completed", task
            assert len(task["result"]["videos"]) == 1
        kyy = wait_for(
            client, f"/v1/result/{kyy_id}", lambda b: b["status"] in ("completed", "failed")
        )
        assert kyy["status"] == "completed", kyy
    finally:
        proc.stop()
    submits = fake.received("submit")
    assert len(submits) == 4  # exactly one paid submit per job, across the crash
    prompts = sorted(s.json["instances"][0]["prompt"] for s in submits)
    assert prompts == ["job 0", "job 1", "job 2", "k"]


def test_api_key_pool_spreads_jobs(tmp_path: Path, fake: FakeVeo) -> None:
    fake.api_keys |= {"second-key"}
    fake.script = VeoScript(seconds_until_done=1.5)
    env = gemini_env(fake, keys=("test-key", "second-key"))
    proc = ServerProcess(tmp_path / "pool", env=env)
    proc.start()
    try:
        client = proc.client()
        ids = [
            client.post("/v1/videos/generations", json=APIMART).json()["data"][0]["task_id"]
            for _ in range(4)
        ]
        for task_id in ids:
            task = wait_for(
                client,
                f"/v1/tasks/{task_id}",
                lambda b: b["data"]["status"] in ("completed", "failed"),
            )["data"]
            assert task["status"] == "completed", task
    finally:
        proc.stop()
    used = [s.headers["x-goog-api-key"] for s in fake.received("submit")]
    assert sorted(used) == ["second-key", "second-key", "test-key", "test-key"]


def test_usage_is_recorded_per_job_and_summarised(gemini: ServerProcess, fake: FakeVeo) -> None:
    task = apimart(gemini, APIMART | {"sample_count": 2})
    assert task["status"] == "completed", task
    # Two samples of the fake's 1-second video, at the catalog's veo-3.1 720p price without
    # sound (apimart's default): 0.20 credits a second.
    assert task["usage"]["billable_seconds"] == pytest.approx(2.0, abs=0.1)
    assert task["usage"]["cost"] == pytest.approx(0.4, abs=0.02)

    out = subprocess.run(
        [sys.executable, "-m", "veogate.cli.main", "usage", "--data-dir", str(gemini.data_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [line.split() for line in out.splitlines()[1:-1]]
    assert any(r[0] == "veo3.1-quality-official" and r[1] == "720p" for r in rows), out
    assert any(r[0] == "veo_3_1_fast" and r[1] == "1080p" for r in rows), out
    total = out.splitlines()[-1].split()
    assert total[0] == "total"
    assert float(total[3]) > 0


def test_job_outliving_its_provider_fails_with_a_reason(tmp_path: Path, fake: FakeVeo) -> None:
    """Restarted without the Google credentials a polling job needs: it fails, saying why."""
    fake.script = VeoScript(seconds_until_done=60)
    env = gemini_env(fake) | {
        "VEOGATE_SHUTDOWN_GRACE_SECONDS": "0",
    }
    proc = ServerProcess(tmp_path / "moved", env=env)
    proc.start()
    try:
        client = proc.client()
        task_id = client.post("/v1/videos/generations", json=APIMART).json()["data"][0]["task_id"]
        wait_for(client, f"/v1/tasks/{task_id}", lambda b: len(fake.received("poll")) > 0)
        proc.stop()
        proc.env = FAST  # same data directory, no Google credentials any more
        proc.start()
        task = apimart_wait(proc, task_id)
    finally:
        proc.stop()
    assert task["status"] == "failed", task
    assert "google-gemini-0" in task["error"]["message"]
    assert "not configured" in task["error"]["message"]
    assert len(fake.received("submit")) == 1


def apimart_wait(server: ServerProcess, task_id: str, timeout: float = 60) -> dict[str, Any]:
    return wait_for(
        server.client(),
        f"/v1/tasks/{task_id}",
        lambda b: b["data"]["status"] in ("completed", "failed"),
        timeout=timeout,
    )["data"]
