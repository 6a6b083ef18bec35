"""Admin auth over real HTTP: every admin route (enumerated from the app, so new ones are
covered) refuses a request with no key, a customer key and a revoked admin key, in the
admin error shape; and no admin answer carries secret material."""

from __future__ import annotations

import hashlib
import re

import httpx
import pytest

from tests.admin.conftest import AdminSetup, card
from tests.support.server import finished_task


def admin_routes(server_url: str) -> list[tuple[str, str]]:
    """(method, path with every parameter filled) of each admin route the running app
    documents in its OpenAPI document (every admin route is in it)."""
    paths = httpx.get(f"{server_url}/openapi.json", timeout=30).json()["paths"]
    found = []
    for template, operations in paths.items():
        if template.startswith("/admin/"):
            path = re.sub(r"\{[^}]+\}", "1", template)
            found.extend((method.upper(), path) for method in sorted(operations))
    return found


def _refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "param"}
    assert error["code"] == {401: "unauthorized", 403: "forbidden"}[status]


def test_every_admin_route_refuses_all_but_admin_keys(setup: AdminSetup) -> None:
    routes = admin_routes(setup.server.url)
    assert ("GET", "/admin/v1/jobs") in routes
    assert ("POST", "/admin/v1/keys") in routes
    assert len(routes) >= 12
    customer = setup.server.create_key("a customer")
    revoked = card(setup.cli("admin", "create-key", "--name", "leaver"))
    assert f"revoked {revoked['id']}" in setup.cli("admin", "revoke-key", revoked["id"])
    listing = setup.cli("admin", "list-keys")
    assert f"{revoked['id']}\tleaver" in listing
    assert "revoked" in listing
    assert revoked["secret"] not in listing

    url = setup.server.url
    for method, path in routes:
        bare = httpx.request(method, url + path, json={}, timeout=30)
        _refused(bare, 401)
        for secret, status in ((customer, 403), (revoked["secret"], 401), ("vga_nope", 401)):
            headers = {"Authorization": f"Bearer {secret}"}
            response = httpx.request(method, url + path, headers=headers, json={}, timeout=30)
            _refused(response, status)
    # The bootstrap key is a customer key like any other.
    _refused(setup.admin(setup.server.bootstrap_key()).get("/admin/v1/keys"), 403)


def test_unknown_admin_paths_and_bad_parameters_answer_in_the_admin_shape(
    setup: AdminSetup,
) -> None:
    admin = setup.admin()
    missing = admin.get("/admin/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "unknown_route"
    wrong_method = admin.delete("/admin/v1/jobs")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    bad = admin.get("/admin/v1/jobs", params={"limit": "0"})
    assert bad.status_code == 400
    assert bad.json()["error"]["param"] == "limit"
    bad_group = admin.get("/admin/v1/usage", params={"group_by": "day,colour"})
    assert bad_group.status_code == 400
    assert bad_group.json()["error"] == {
        "code": "invalid_parameter",
        "message": bad_group.json()["error"]["message"],
        "param": "group_by",
    }
    assert "colour" in bad_group.json()["error"]["message"]


def test_no_admin_answer_carries_secret_material(setup: AdminSetup) -> None:
    admin = setup.admin()
    made = admin.post("/admin/v1/keys", json={"name": "secretive"}).json()
    customer_secret = made["secret"]
    key_id = made["key"]["id"]
    endpoint = card(setup.cli("webhooks", "add", "--key", key_id, setup.receiver.url("/secretive")))
    assert endpoint["secret"].startswith("whsec_")
    key_secret = setup.cli("webhooks", "secret", "--key", key_id).strip()
    customer = setup.server.client(customer_secret)
    task = customer.post(
        "/v1/videos/generations",
        json={"model": "veo3.1-fast-official", "prompt": "a vault", "duration": 4},
    ).json()["data"][0]["task_id"]
    finished_task(customer, task)

    forbidden = [
        customer_secret,
        hashlib.sha256(customer_secret.encode()).hexdigest(),
        setup.admin_key,
        hashlib.sha256(setup.admin_key.encode()).hexdigest(),
        endpoint["secret"],
        key_secret,
        "whsec_",
        "secret_hash",
    ]
    reads = [
        "/admin/v1/keys",
        f"/admin/v1/keys/{key_id}",
        f"/admin/v1/jobs?key={key_id}",
        f"/admin/v1/jobs/{task}",
        "/admin/v1/usage?group_by=day,key,model,resolution",
        "/admin/v1/usage?group_by=key&format=csv",
        f"/admin/v1/webhooks/endpoints?key={key_id}",
        f"/admin/v1/webhooks/deliveries?key={key_id}",
        "/admin/v1/providers",
    ]
    for path in reads:
        response = admin.get(path)
        assert response.status_code == 200, (path, response.text)
        for secret in forbidden:
            assert secret not in response.text, (path, secret)
    assert customer_secret.startswith("vg_")  # the secret was shown once, at create
    assert admin.get(f"/admin/v1/keys/{key_id}").json()["prefix"] == customer_secret[:10]


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Token vga_x"])
def test_malformed_authorization_is_401(setup: AdminSetup, header: str) -> None:
    response = httpx.get(
        f"{setup.server.url}/admin/v1/keys", headers={"Authorization": header}, timeout=30
    )
    _refused(response, 401)
