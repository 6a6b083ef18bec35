"""Signing in to the console from tests: admin keys made by the CLI, and a session's cookie
and CSRF token, handled by hand (no cookie jar decides for us what is sent)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx

from tests.support.server import ServerProcess

COOKIE = "veogate_console"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def create_admin_key(server: ServerProcess, name: str) -> tuple[str, str]:
    """A new admin key by `veogate admin create-key`: (id, secret)."""
    fields = {}
    for line in server.cli("admin", "create-key", "--name", name).splitlines():
        label, _, value = line.partition(":")
        fields[label.strip()] = value.strip()
    return fields["id"], fields["secret"]


@dataclass
class Signed:
    """A signed-in console: the cookie's token, the page's CSRF token, the raw Set-Cookie."""

    token: str
    csrf: str
    set_cookie: str

    @property
    def cookie(self) -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={self.token}"}

    def writing(self, origin: str) -> dict[str, str]:
        return {**self.cookie, "X-CSRF-Token": self.csrf, "Origin": origin}


def sign_in(client: httpx.Client, secret: str, origin: str | None = None) -> httpx.Response:
    headers = {} if origin is None else {"Origin": origin}
    return client.post("/console/session", json={"key": secret}, headers=headers)


def signed_in(client: httpx.Client, secret: str) -> Signed:
    answer = sign_in(client, secret, str(client.base_url).rstrip("/"))
    assert answer.status_code == 204, answer.text
    set_cookie = answer.headers["set-cookie"]
    token = set_cookie.split(";")[0].removeprefix(f"{COOKIE}=")
    client.cookies.clear()
    page = client.get("/console", headers={"Cookie": f"{COOKIE}={token}"})
    found = _CSRF.search(page.text)
    assert found, page.text
    return Signed(token=token, csrf=found.group(1), set_cookie=set_cookie)
