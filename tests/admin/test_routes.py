"""The admin API over real HTTP: customer keys, jobs with filters and their timelines, usage
as JSON and CSV, webhook endpoints and deliveries, providers."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.admin.conftest import AdminSetup, card
from tests.support.server import finished_task

APIMART = {"model": "veo3.1-fast-official", "prompt": "a lighthouse", "duration": 4}


def _create_task(client: httpx.Client, **fields: Any) -> str:
    response = client.post("/v1/videos/generations", json={**APIMART, **fields})
    assert response.status_code == 200, response.text
    return str(response.json()["data"][0]["task_id"])


def _until(read: Any, done: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = read()
        if done(value):
            return value
        time.sleep(0.2)
    raise AssertionError(f"not done in {timeout}s: {value}")


def test_customer_keys_create_list_revoke(setup: AdminSetup) -> None:
    admin = setup.admin()
    made = admin.post("/admin/v1/keys", json={"name": "acme"})
    assert made.status_code == 201, made.text
    key, secret = made.json()["key"], made.json()["secret"]
    assert key["state"] == "active"
    assert key["name"] == "acme"
    customer = setup.server.client(secret)
    assert customer.get("/v1/tasks/task_NONE").status_code == 404  # authenticated

    listed = admin.get("/admin/v1/keys", params={"limit": 1000}).json()
    assert key["id"] in [k["id"] for k in listed["data"]]
    first = admin.get("/admin/v1/keys", params={"limit": 1}).json()
    assert len(first["data"]) == 1
    assert first["next_cursor"] == "1"
    second = admin.get("/admin/v1/keys", params={"limit": 1, "cursor": 1}).json()
    assert second["data"][0]["id"] != first["data"][0]["id"]

    revoked = admin.post(f"/admin/v1/keys/{key['id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["state"] == "revoked"
    assert revoked.json()["revoked_at"]
    # This process forgets the key at once (no wait for the auth cache).
    refused = customer.get("/v1/tasks/task_NONE")
    assert refused.status_code == 401
    assert admin.get(f"/admin/v1/keys/{key['id']}").json()["state"] == "revoked"
    missing = admin.get("/admin/v1/keys/key_nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["param"] == "id"
    invalid = admin.post("/admin/v1/keys", json={"name": ""})
    assert invalid.status_code == 400
    assert invalid.json()["error"]["code"] == "invalid_parameter"


def test_jobs_listed_with_filters_and_one_with_its_timeline(setup: AdminSetup) -> None:
    admin = setup.admin()
    start = datetime.now(UTC) - timedelta(seconds=1)
    first = admin.post("/admin/v1/keys", json={"name": "jobs-a"}).json()
    other = admin.post("/admin/v1/keys", json={"name": "jobs-b"}).json()
    client_a = setup.server.client(first["secret"])
    client_b = setup.server.client(other["secret"])
    done = [_create_task(client_a), _create_task(client_a)]
    for task in done:
        finished_task(client_a, task)
    cancelled = _create_task(client_a, resolution="1080p", duration=8, sample_count=4)
    client_a.post(f"/v1/tasks/{cancelled}/cancel")
    theirs = _create_task(client_b)
    finished_task(client_b, theirs)

    mine = admin.get("/admin/v1/jobs", params={"key": first["key"]["id"]}).json()["data"]
    assert len(mine) == 3
    assert {j["key"] for j in mine} == {first["key"]["id"]}
    assert [j["status"] for j in mine] == ["cancelled", "succeeded", "succeeded"]  # newest first
    assert all(j["dialect"] == "apimart" and j["provider"] == "preview" for j in mine)
    succeeded = admin.get(
        "/admin/v1/jobs",
        params={"key": first["key"]["id"], "status": "succeeded", "model": APIMART["model"]},
    ).json()["data"]
    assert len(succeeded) == 2
    assert all(j["finished_at"] and j["error"] is None for j in succeeded)
    since = admin.get(
        "/admin/v1/jobs", params={"created_after": start.isoformat(), "provider": "preview"}
    ).json()["data"]
    assert {j["key"] for j in since} >= {first["key"]["id"], other["key"]["id"]}
    none = admin.get(
        "/admin/v1/jobs", params={"key": first["key"]["id"], "created_before": start.isoformat()}
    ).json()
    assert none == {"data": [], "next_cursor": None}
    assert admin.get("/admin/v1/jobs", params={"provider": "nobody"}).json()["data"] == []

    page_one = admin.get("/admin/v1/jobs", params={"key": first["key"]["id"], "limit": 2}).json()
    assert len(page_one["data"]) == 2
    assert page_one["next_cursor"]
    page_two = admin.get(
        "/admin/v1/jobs",
        params={"key": first["key"]["id"], "limit": 2, "cursor": page_one["next_cursor"]},
    ).json()
    assert [j["id"] for j in page_one["data"] + page_two["data"]] == [j["id"] for j in mine]
    assert page_two["next_cursor"] is None

    detail = admin.get(f"/admin/v1/jobs/{done[0]}").json()  # apimart's spelling of the id
    assert detail["status"] == "succeeded"
    assert detail["spec"]["prompt"] == APIMART["prompt"]
    assert detail["outputs"]
    assert detail["outputs"][0]["duration_seconds"] > 0
    kinds = [e["kind"] for e in detail["events"]]
    told = [e["kind"] for e in detail["events"] if e["delivered_to_clients"]]
    assert told[0] == "job.queued"
    assert told[-1] == "job.succeeded"
    assert "job.started" in told
    assert [k for k in kinds if not k.startswith("job.")], "step notes are in the timeline"
    seqs = [e["seq"] for e in detail["events"]]
    assert seqs == sorted(seqs)
    assert admin.get("/admin/v1/jobs/task_01ARZ3NDEKTSV4RRFFQ69G5FAV").status_code == 404


def test_usage_grouped_as_json_and_csv(setup: AdminSetup) -> None:
    admin = setup.admin()
    made = admin.post("/admin/v1/keys", json={"name": "usage"}).json()
    client = setup.server.client(made["secret"])
    tasks = [_create_task(client), _create_task(client, resolution="1080p", duration=8)]
    for task in tasks:
        finished_task(client, task)
    key_id = made["key"]["id"]
    params = {"group_by": "resolution,key,day"}  # any order: answered day, key, resolution
    rows = list(admin.get("/admin/v1/usage", params=params).json()["data"])
    mine = [r for r in rows if r["key"] == key_id]
    assert sorted(r["resolution"] for r in mine) == ["1080p", "720p"]
    today = datetime.now(UTC).strftime("%Y-%m-%d")
    for row in mine:
        assert row["day"] == today
        assert row["jobs"] == 1
        assert row["model"] is None
    assert [r["billable_seconds"] for r in mine] == [8.0, 4.0]  # sorted: 1080p, 720p
    # veo-3.1-fast without sound (apimart's default) at the shipped price: 0.10 a second.
    assert [r["cost"] for r in mine] == [pytest.approx(0.8), pytest.approx(0.4)]

    as_csv = admin.get("/admin/v1/usage", params={**params, "format": "csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert list(parsed[0]) == ["day", "key", "resolution", "jobs", "billable_seconds", "cost"]
    assert [(r["day"], r["key"], r["resolution"], int(r["jobs"])) for r in parsed] == [
        (r["day"], r["key"], r["resolution"], r["jobs"]) for r in rows
    ]
    by_accept = admin.get("/admin/v1/usage", params=params, headers={"Accept": "text/csv"})
    assert by_accept.text == as_csv.text

    total = admin.get("/admin/v1/usage").json()["data"]
    assert len(total) == 1
    assert total[0]["key"] is None
    assert total[0]["jobs"] >= 2
    assert total[0]["jobs"] == sum(r["jobs"] for r in rows)
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert admin.get("/admin/v1/usage", params={"since": later}).json()["data"] == []


def test_webhook_endpoints_and_deliveries(setup: AdminSetup) -> None:
    admin = setup.admin()
    made = admin.post("/admin/v1/keys", json={"name": "hooks"}).json()
    key_id = made["key"]["id"]
    endpoint = card(setup.cli("webhooks", "add", "--key", key_id, setup.receiver.url("/hooks")))
    listed = admin.get("/admin/v1/webhooks/endpoints", params={"key": key_id}).json()["data"]
    assert [(e["id"], e["state"], e["url"]) for e in listed] == [
        (endpoint["id"], "enabled", setup.receiver.url("/hooks"))
    ]

    setup.answers.failing = True
    client = setup.server.client(made["secret"])
    task = _create_task(client)
    finished_task(client, task)
    deliveries = "/admin/v1/webhooks/deliveries"
    failed = _until(
        lambda: admin.get(deliveries, params={"key": key_id, "state": "failed"}).json()["data"],
        lambda found: len(found) == 1,
    )[0]
    assert failed["event_type"] == "job.succeeded"
    assert failed["last_status"] == 500
    assert failed["endpoint_id"] == endpoint["id"]
    assert failed["event_id"].startswith("evt_")

    setup.answers.failing = False
    again = admin.post(f"{deliveries}/{failed['id']}/redeliver")
    assert again.status_code == 200
    assert again.json()["state"] == "pending"
    delivered = _until(
        lambda: admin.get(deliveries, params={"job": failed["job_id"]}).json()["data"],
        lambda found: found and found[0]["state"] == "delivered",
    )
    assert delivered[0]["id"] == failed["id"]
    pending_again = admin.post(f"{deliveries}/{failed['id']}/redeliver")
    assert pending_again.status_code == 200  # delivered: may be sent once more
    assert admin.post(f"{deliveries}/999999/redeliver").status_code == 404

    disabled = admin.post(
        f"/admin/v1/webhooks/endpoints/{endpoint['id']}/disable", json={"reason": "maintenance"}
    ).json()
    assert disabled["state"] == "disabled"
    assert disabled["disabled_reason"] == "maintenance"
    enabled = admin.post(f"/admin/v1/webhooks/endpoints/{endpoint['id']}/enable").json()
    assert enabled["state"] == "enabled"
    assert enabled["disabled_reason"] is None
    assert admin.post("/admin/v1/webhooks/endpoints/whep_nope/enable").status_code == 404


def test_providers_with_models_credentials_and_recent_jobs(setup: AdminSetup) -> None:
    admin = setup.admin()
    client = setup.server.client(admin.post("/admin/v1/keys", json={"name": "p"}).json()["secret"])
    finished_task(client, _create_task(client))
    [preview] = admin.get("/admin/v1/providers").json()["data"]
    assert preview["name"] == "preview"
    assert APIMART["model"] in preview["models"]
    [credential] = preview["credentials"]
    assert credential["name"] == "preview"
    assert credential["kind"] == "local"
    assert credential["in_flight"] == 0
    assert credential["recent"]["finished"] >= 1
    assert credential["recent"]["error_rate"] == 0.0
