"""The admin API's credits: a metered key made with an opening balance, limits set and
removed, top-ups and adjustments by the admin key (the ledger names it), the ledger paged,
and a customer refused for money once its balance is spent."""

from __future__ import annotations

from tests.admin.conftest import AdminSetup

# veogate3.1-fast-official, 4 s 720p without sound at the shipped prices: 0.40 credits.
JOB = {
    "model": "veo3.1-fast-official",
    "prompt": "a paid lighthouse",
    "duration": 4,
    "generate_audio": False,
}


def test_credits_through_the_admin_api(setup: AdminSetup) -> None:
    admin = setup.admin()
    made = admin.post("/admin/v1/keys", json={"name": "metered", "credits": 0.5})
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    key_id = key["id"]
    assert (key["metered"], key["balance"]) == (True, 0.5)
    customer = setup.server.client(made.json()["secret"])

    assert customer.post("/v1/videos/generations", json=JOB).status_code == 200
    refused = customer.post("/v1/videos/generations", json=JOB)  # 0.10 left, 0.40 asked
    assert refused.status_code == 402, refused.text
    assert refused.json()["error"]["code"] == "insufficient_quota"

    topped = admin.post(f"/admin/v1/keys/{key_id}/top-up", json={"amount": 2, "note": "paid"})
    assert topped.status_code == 200, topped.text
    assert topped.json()["balance"] == 2.1
    assert (
        admin.post(f"/admin/v1/keys/{key_id}/adjust", json={"amount": -0.1}).json()["balance"]
        == 2.0
    )
    for bad, field in (({"amount": 0}, "amount"), ({"amount": "lots"}, "amount")):
        answer = admin.post(f"/admin/v1/keys/{key_id}/adjust", json=bad)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["param"] in (field, "body.amount"), answer.text
    negative = admin.post(f"/admin/v1/keys/{key_id}/top-up", json={"amount": -1})
    assert negative.status_code == 400

    limits = {"daily_limit": 0.5, "allowed_models": ["veo3.1-fast-official"], "max_active_jobs": 3}
    account = admin.patch(f"/admin/v1/keys/{key_id}/limits", json=limits)
    assert account.status_code == 200, account.text
    assert account.json()["limits"] == {**limits, "monthly_limit": None, "creates_per_minute": None}
    assert account.json()["spent_today"] == 0.4
    over = customer.post("/v1/videos/generations", json=JOB)  # 0.4 + 0.4 > 0.5 a day
    assert over.status_code == 402
    assert "daily limit" in over.json()["error"]["message"]
    unknown = admin.patch(f"/admin/v1/keys/{key_id}/limits", json={"allowed_models": ["nope"]})
    assert unknown.status_code == 400
    assert unknown.json()["error"]["param"] == "allowed_models"
    cleared = admin.patch(f"/admin/v1/keys/{key_id}/limits", json={"daily_limit": None})
    assert cleared.json()["limits"]["daily_limit"] is None
    assert customer.post("/v1/videos/generations", json=JOB).status_code == 200

    first = admin.get(f"/admin/v1/keys/{key_id}/ledger", params={"limit": 3}).json()
    rest = admin.get(
        f"/admin/v1/keys/{key_id}/ledger", params={"limit": 100, "cursor": first["next_cursor"]}
    ).json()
    entries = first["data"] + rest["data"]
    assert rest["next_cursor"] is None
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    admin_id = setup.cli("admin", "list-keys").split()[0]
    made_by = {(e["kind"], e["actor"]) for e in entries}
    assert ("top_up", f"admin:{admin_id}") in made_by
    assert ("adjust", f"admin:{admin_id}") in made_by
    assert ("reserve", "system") in made_by
    assert (
        sum(e["amount"] for e in entries)
        == admin.get(f"/admin/v1/keys/{key_id}/account").json()["balance"]
    )
    assert admin.get("/admin/v1/keys/key_nope/account").status_code == 404
