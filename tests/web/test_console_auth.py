"""The console's sign-in, session cookie and CSRF checks, over HTTP against a real server
whose public URL is https (so its cookies are `Secure`, and its public origin is its own)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import ServerProcess
from tests.web.console_support import COOKIE, create_admin_key, sign_in, signed_in
from veogate.web.headers import CONTENT_SECURITY_POLICY

PUBLIC = "https://veogate.example"
WEEK = 7 * 24 * 3600


@pytest.fixture(scope="module")
def console_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        Path(tmp_path_factory.mktemp("console")), env={"VEOGATE_PUBLIC_URL": PUBLIC}
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def client(console_server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=console_server.url, timeout=30) as opened:
        yield opened


def error_of(answer: httpx.Response) -> dict[str, str]:
    body: dict[str, dict[str, str]] = answer.json()
    return body["error"]


def test_sign_in_sets_a_strict_http_only_secure_cookie(
    console_server: ServerProcess, client: httpx.Client
) -> None:
    _, secret = create_admin_key(console_server, "cookie")
    signed = signed_in(client, secret)
    name_value, *attributes = signed.set_cookie.split("; ")
    assert name_value == f"{COOKIE}={signed.token}"
    assert len(signed.token) >= 43
    assert attributes == ["HttpOnly", "SameSite=Strict", "Path=/", f"Max-Age={WEEK}", "Secure"]
    assert secret not in signed.set_cookie
    # From the public origin too (what browsers behind the proxy send).
    assert sign_in(client, secret, PUBLIC).status_code == 204


def test_customer_unknown_revoked_and_empty_keys_are_refused(
    console_server: ServerProcess, client: httpx.Client
) -> None:
    origin = console_server.url
    customer = sign_in(client, console_server.bootstrap_key(), origin)
    assert customer.status_code == 403
    assert "customer API key" in error_of(customer)["message"]
    assert "set-cookie" not in customer.headers
    unknown = sign_in(client, "vga_" + "x" * 43, origin)
    assert (unknown.status_code, error_of(unknown)["code"]) == (401, "unauthorized")
    key_id, secret = create_admin_key(console_server, "revoked")
    console_server.cli("admin", "revoke-key", key_id)
    assert sign_in(client, secret, origin).status_code == 401
    empty = sign_in(client, "  ", origin)
    assert (empty.status_code, error_of(empty)["param"]) == (400, "key")


def test_sign_in_needs_an_origin_of_this_server(
    console_server: ServerProcess, client: httpx.Client
) -> None:
    _, secret = create_admin_key(console_server, "login-csrf")
    for origin in (None, "https://evil.example", "null"):
        answer = sign_in(client, secret, origin)
        assert answer.status_code == 403, origin
        assert error_of(answer)["code"] == "forbidden"
        assert "set-cookie" not in answer.headers


def test_writes_by_cookie_need_the_csrf_token_and_no_foreign_origin(
    console_server: ServerProcess, client: httpx.Client
) -> None:
    _, secret = create_admin_key(console_server, "csrf")
    signed = signed_in(client, secret)
    origin = console_server.url
    body = {"name": "made-by-console"}

    read = client.get("/admin/v1/keys", headers=signed.cookie)
    assert read.status_code == 200  # reads need no token
    refused = [
        {**signed.cookie, "Origin": origin},
        {**signed.cookie, "Origin": origin, "X-CSRF-Token": "wrong"},
        {**signed.cookie, "Origin": origin, "X-CSRF-Token": ""},
        signed.writing("https://evil.example"),
        signed.writing("null"),
        {**signed.cookie, "X-CSRF-Token": signed.csrf, "Referer": "https://evil.example/page"},
    ]
    for headers in refused:
        answer = client.post("/admin/v1/keys", json=body, headers=headers)
        assert answer.status_code == 403, headers
        assert error_of(answer)["code"] == "forbidden"
    made = client.post("/admin/v1/keys", json=body, headers=signed.writing(origin))
    assert made.status_code == 201, made.text
    assert made.json()["secret"].startswith("vg_")
    # The public origin is this server's too; with no Origin at all the token suffices.
    assert (
        client.post("/admin/v1/keys", json=body, headers=signed.writing(PUBLIC)).status_code == 201
    )
    no_origin = {**signed.cookie, "X-CSRF-Token": signed.csrf}
    assert client.post("/admin/v1/keys", json=body, headers=no_origin).status_code == 201


def test_the_csrf_token_never_works_without_its_cookie(
    console_server: ServerProcess, client: httpx.Client
) -> None:
    _, secret = create_admin_key(console_server, "token-alone")
    signed = signed_in(client, secret)
    headers = {"X-CSRF-Token": signed.csrf, "Origin": console_server.url}
    alone = client.post("/admin/v1/keys", json={"name": "x"}, headers=headers)
    assert alone.status_code == 401
    other = signed_in(client, secret)  # another session's token is wrong for this cookie
    crossed = {**signed.cookie, "X-CSRF-Token": other.csrf, "Origin": console_server.url}
    assert client.post("/admin/v1/keys", json={"name": "x"}, headers=crossed).status_code == 403


def test_sign_out_ends_the_session(console_server: ServerProcess, client: httpx.Client) -> None:
    _, secret = create_admin_key(console_server, "sign-out")
    signed = signed_in(client, secret)
    assert client.delete("/console/session", headers=signed.cookie).status_code == 403
    out = client.delete("/console/session", headers=signed.writing(console_server.url))
    assert out.status_code == 204
    assert out.headers["set-cookie"].startswith(
        f"{COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"
    )
    assert client.get("/admin/v1/keys", headers=signed.cookie).status_code == 401
    page = client.get("/console", headers=signed.cookie)
    assert 'id="signin-form"' in page.text
    assert "Max-Age=0" in page.headers["set-cookie"]


def test_revoking_the_admin_key_ends_its_sessions(
    console_server: ServerProcess, client: httpx.Client
) -> None:
    key_id, secret = create_admin_key(console_server, "to-revoke")
    signed = signed_in(client, secret)
    assert client.get("/admin/v1/keys", headers=signed.cookie).status_code == 200
    console_server.cli("admin", "revoke-key", key_id)
    assert client.get("/admin/v1/keys", headers=signed.cookie).status_code == 401
    assert 'id="signin-form"' in client.get("/console", headers=signed.cookie).text


def test_sessions_are_listed_and_revoked_through_the_admin_api(
    console_server: ServerProcess, client: httpx.Client
) -> None:
    _, secret = create_admin_key(console_server, "sessions")
    mine, theirs = signed_in(client, secret), signed_in(client, secret)
    listed = client.get("/admin/v1/console-sessions", headers=mine.cookie).json()["data"]
    by_current = {row["current"]: row for row in listed if row["admin_key_name"] == "sessions"}
    assert set(by_current) == {True, False}
    assert mine.token not in str(listed)
    assert mine.csrf not in str(listed)
    other_id = by_current[False]["id"]
    bearer = {"Authorization": f"Bearer {secret}"}  # not ambient: no CSRF token needed
    revoked = client.post(f"/admin/v1/console-sessions/{other_id}/revoke", headers=bearer)
    assert revoked.status_code == 204
    assert client.get("/admin/v1/keys", headers=theirs.cookie).status_code == 401
    assert client.get("/admin/v1/keys", headers=mine.cookie).status_code == 200
    again = client.post(f"/admin/v1/console-sessions/{other_id}/revoke", headers=bearer)
    assert again.status_code == 404


def test_console_pages_carry_the_strict_policy(
    console_server: ServerProcess, client: httpx.Client
) -> None:
    _, secret = create_admin_key(console_server, "policy")
    signed = signed_in(client, secret)
    for headers, marker in (({}, 'id="signin-form"'), (signed.cookie, 'name="csrf-token"')):
        page = client.get("/console", headers=headers)
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["cache-control"] == "no-store"
        assert page.headers["x-frame-options"] == "DENY"
        assert marker in page.text
        assert "<script>" not in page.text
        assert "style=" not in page.text
    assert f'content="{signed.csrf}"' in client.get("/console", headers=signed.cookie).text
