"""Per-key rate limit and active-jobs quota: 429 in each dialect's shape, with Retry-After."""

from __future__ import annotations

import pytest

from tests.support.server import ServerProcess

SLOW = {
    "model": "veo3.1-fast-official",
    "prompt": "hold the slot",
    "resolution": "1080p",
    "sample_count": 4,
}


@pytest.fixture
def limited(fresh_server: ServerProcess) -> ServerProcess:
    fresh_server.env.update(
        {"VEOGATE_RATE_LIMIT_PER_MINUTE": "5", "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "2"}
    )
    fresh_server.start()
    return fresh_server


def test_rate_limit_per_key(limited: ServerProcess) -> None:
    kyy = limited.client(limited.create_key("kyy-client"))
    for _ in range(5):
        assert kyy.post("/v1/veo/videos", json={"model": "nope", "prompt": "x"}).status_code == 400
    response = kyy.post("/v1/veo/videos", json={"model": "nope", "prompt": "x"})
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1

    apimart = limited.client(limited.create_key("apimart-client"))
    for _ in range(5):
        apimart.post("/v1/videos/generations", json={"model": "nope", "prompt": "x"})
    response = apimart.post("/v1/videos/generations", json={"model": "nope", "prompt": "x"})
    assert response.status_code == 429
    assert response.json()["error"]["type"] == "rate_limit_error"
    assert response.json()["error"]["code"] == "rate_limited"
    assert int(response.headers["Retry-After"]) >= 1
    # reads are not rate limited
    assert apimart.get("/v1/tasks/task_NONE").status_code == 404


def test_active_jobs_quota(limited: ServerProcess) -> None:
    client = limited.client()
    first = client.post("/v1/videos/generations", json=SLOW)
    second = client.post("/v1/videos/generations", json=SLOW)
    assert first.status_code == second.status_code == 200
    third = client.post("/v1/videos/generations", json=SLOW)
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "quota_exceeded"
    assert third.headers["Retry-After"] == "10"
    kyy_third = client.post("/v1/veo/videos", json={"model": "veo_3_1_fast", "prompt": "x"})
    assert kyy_third.status_code == 429
    assert kyy_third.json()["code"] == "quota_exceeded"

    task_id = first.json()["data"][0]["task_id"]
    assert client.post(f"/v1/tasks/{task_id}/cancel").json()["data"]["status"] == "cancelled"
    assert client.post("/v1/videos/generations", json=SLOW).status_code == 200
