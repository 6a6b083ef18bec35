"""Credits end to end on a real server: reserve on accept, 402 in every dialect's shape when
the balance cannot cover a job, settle on the seconds delivered, release on an early cancel,
and the keys' limits (models, daily spend, creates per minute)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess, wait_for

# Round numbers: a kyy veo_3_1_fast job (720p, 8 s, audio always on) costs 8 x 0.5 = 4.
PRICES = {"veo-3.1-fast": {"720p": 0.25, "1080p": 0.5, "audio": 0.25}}
KYY_JOB = {"model": "veo_3_1_fast", "prompt": "a paid fox"}
KYY_PRICE = 4.0


@pytest.fixture
def priced(fresh_server: ServerProcess) -> ServerProcess:
    fresh_server.env.update(
        {
            "VEOGATE_PRICES": json.dumps(PRICES),
            "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
            "VEOGATE_MAX_ACTIVE_JOBS_PER_KEY": "0",
            "VEOGATE_AUTH_CACHE_SECONDS": "0",
        }
    )
    fresh_server.start()
    return fresh_server


def account(server: ServerProcess, key_id: str) -> dict[str, Any]:
    return json.loads(server.cli("credits", "balance", key_id))  # type: ignore[no-any-return]


def history(server: ServerProcess, key_id: str) -> list[dict[str, Any]]:
    lines = server.cli("credits", "history", key_id, "--json").splitlines()
    return [json.loads(line) for line in reversed(lines)]  # oldest first


def refused_everywhere(client: httpx.Client) -> None:
    """A create the balance cannot cover: 402 insufficient_quota in each dialect's shape,
    naming the price and the balance."""
    kyy = client.post("/v1/veo/videos", json=KYY_JOB)
    assert kyy.status_code == 402, kyy.text
    assert kyy.json()["code"] == "insufficient_quota"
    assert "costs up to 4 credits" in kyy.json()["error"]
    assert "balance is 0 credits" in kyy.json()["error"]

    apimart = client.post(
        "/v1/videos/generations",
        json={"model": "veo3.1-fast-official", "prompt": "x", "duration": 4},
    )
    assert apimart.status_code == 402, apimart.text
    error = apimart.json()["error"]
    assert (error["type"], error["code"]) == ("insufficient_quota", "insufficient_quota")

    openai = client.post("/v1/videos", json={"model": "veo-3.1-fast", "prompt": "x", "seconds": 4})
    assert openai.status_code == 402, openai.text
    assert openai.json()["error"]["type"] == "insufficient_quota"

    google = client.post(
        "/v1beta/models/veo-3.1-fast-generate-preview:predictLongRunning",
        json={"instances": [{"prompt": "x"}], "parameters": {"durationSeconds": 4}},
    )
    assert google.status_code == 402, google.text
    assert google.json()["error"]["status"] == "RESOURCE_EXHAUSTED"


def kyy_finished(client: httpx.Client, video_id: str) -> dict[str, Any]:
    return wait_for(  # type: ignore[no-any-return]
        client, f"/v1/veo/videos/{video_id}", lambda b: b["status"] in ("completed", "failed")
    )


def test_a_metered_key_pays_for_what_it_gets(priced: ServerProcess) -> None:
    secret = priced.create_key("buyer", credits="4")
    key_id = priced.key_id(secret)
    client = priced.client(secret)

    job = client.post("/v1/veo/videos", json=KYY_JOB)
    assert job.status_code == 200, job.text
    assert account(priced, key_id)["balance"] == 0.0  # reserved at once
    refused_everywhere(client)

    done = kyy_finished(client, job.json()["id"])
    assert done["status"] == "completed", done
    assert done["usage"] == {"billable_seconds": 8.0, "cost": KYY_PRICE}
    assert account(priced, key_id)["balance"] == 0.0  # all 8 s delivered: all charged
    kinds = [(e["kind"], e["amount"], e["actor"]) for e in history(priced, key_id)]
    assert kinds == [("top_up", 4.0, "cli"), ("reserve", -4.0, "system"), ("settle", 0.0, "system")]

    # Cancelled before any upstream submit (the preview renderer has none): all returned.
    priced.cli("credits", "top-up", key_id, "4", "--note", "second try")
    again = client.post("/v1/veo/videos", json={**KYY_JOB, "prompt": "changed my mind"})
    assert again.status_code == 200, again.text
    cancelled = client.post(f"/v1/veo/videos/{again.json()['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    view = kyy_finished(client, again.json()["id"])
    assert view["usage"] == {"billable_seconds": 0.0, "cost": 0.0}
    assert account(priced, key_id)["balance"] == 4.0
    assert [e["kind"] for e in history(priced, key_id)][-2:] == ["reserve", "release"]
    top_up = history(priced, key_id)[3]
    assert (top_up["kind"], top_up["detail"]) == ("top_up", {"note": "second try"})
    assert "consistent" in priced.cli("credits", "check")


def test_an_unmetered_key_is_never_refused_but_still_recorded(priced: ServerProcess) -> None:
    secret = priced.create_key("house")
    key_id = priced.key_id(secret)
    client = priced.client(secret)
    ids = [client.post("/v1/veo/videos", json=KYY_JOB).json()["id"] for _ in range(2)]
    for video_id in ids:
        assert kyy_finished(client, video_id)["usage"]["cost"] == KYY_PRICE
    assert account(priced, key_id)["balance"] == -2 * KYY_PRICE
    assert account(priced, key_id)["spent_today"] == 2 * KYY_PRICE

    # Every dialect's status carries the cost: OpenAI's video, Google's operation metadata
    # (4 s of 720p with sound at 0.25 + 0.25 a second).
    video = client.post("/v1/videos", json={"model": "veo-3.1-fast", "prompt": "x", "seconds": 4})
    assert video.status_code == 200, video.text
    done = wait_for(
        client, f"/v1/videos/{video.json()['id']}", lambda b: b["status"] in ("completed", "failed")
    )
    assert done["usage"] == {"billable_seconds": 4.0, "cost": 2.0}, done
    model = "veo-3.1-fast-generate-preview"
    operation = client.post(
        f"/v1beta/models/{model}:predictLongRunning",
        json={"instances": [{"prompt": "x"}], "parameters": {"durationSeconds": 4}},
    ).json()["name"]
    ended = wait_for(client, f"/v1beta/{operation}", lambda b: b["done"])
    assert ended["metadata"] == {
        "progressPercent": 100,
        "usage": {"billable_seconds": 4.0, "cost": 2.0},
    }


def test_limits_of_a_key(priced: ServerProcess) -> None:
    secret = priced.create_key("limited")
    key_id = priced.key_id(secret)
    client = priced.client(secret)

    priced.cli("credits", "limits", key_id, "--models", "veo_3_1_fast")
    other = client.post("/v1/veo/videos", json={**KYY_JOB, "model": "veo_3_1_pro"})
    assert other.status_code == 403, other.text
    assert (other.json()["code"], other.json()["param"]) == ("model_not_allowed", "model")
    assert "veo_3_1_fast" in other.json()["error"]

    priced.cli("credits", "limits", key_id, "--models", "none", "--daily", "6")
    assert (
        client.post("/v1/veo/videos", json={**KYY_JOB, "model": "veo_3_1_pro"}).status_code == 200
    )
    over = client.post("/v1/veo/videos", json=KYY_JOB)
    assert over.status_code == 402, over.text
    assert "daily limit of 6 credits" in over.json()["error"]

    priced.cli("credits", "limits", key_id, "--daily", "none", "--creates-per-minute", "2")
    assert client.post("/v1/veo/videos", json=KYY_JOB).status_code == 200  # the 2nd in a minute
    third = client.post("/v1/veo/videos", json=KYY_JOB)
    assert third.status_code == 429, third.text
    assert third.json()["code"] == "rate_limited"
    assert int(third.headers["Retry-After"]) >= 1

    priced.cli("credits", "limits", key_id, "--creates-per-minute", "none", "--max-active", "1")
    # Once one is accepted (the earlier jobs may still be running), the next is refused.
    for _ in range(240):
        if client.post("/v1/veo/videos", json=KYY_JOB).status_code == 200:
            break
        time.sleep(0.25)
    busy = client.post("/v1/veo/videos", json=KYY_JOB)
    assert busy.status_code == 429, busy.text
    assert busy.json()["code"] == "quota_exceeded"
    # Refused creates leave nothing behind: one reservation per accepted job, no more.
    assert len([e for e in history(priced, key_id) if e["kind"] == "reserve"]) == 3
    assert "consistent" in priced.cli("credits", "check")


def test_an_allowed_model_is_allowed_under_every_dialects_name(priced: ServerProcess) -> None:
    """`--models veo_3_1_fast` (kyy's name) allows veo-3.1-fast as the OpenAI dialect, the
    playground and the client name it; another model stays refused."""
    secret = priced.create_key("one model")
    priced.cli("credits", "limits", priced.key_id(secret), "--models", "veo_3_1_fast")
    client = priced.client(secret)
    same = client.post("/v1/videos", json={"model": "veo-3.1-fast", "prompt": "x", "seconds": "4"})
    assert same.status_code == 200, same.text
    other = client.post("/v1/videos", json={"model": "veo-3.1", "prompt": "x", "seconds": "4"})
    assert other.status_code == 403, other.text
    assert other.json()["error"]["code"] == "model_not_allowed"
    assert "veo_3_1_fast, under any dialect's name" in other.json()["error"]["message"]


def test_models_show_their_prices(priced: ServerProcess) -> None:
    models = priced.client().get("/v1/models").json()["data"]
    fast = next(m for m in models if m["id"] == "veo3.1-fast-official")
    assert fast["pricing"] == {
        "unit": "credits_per_second",
        "per_second": {"720p": 0.25, "1080p": 0.5, "4K": 0.30},
        "audio_per_second": 0.25,
    }
