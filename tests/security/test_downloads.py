"""Signed download links: any malformed link is a 403, a correctly signed link to a
malformed key a 404, Range abuse a 416; HEAD answers as GET does, without the body."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from tests.security.conftest import SIGNING_SECRET
from tests.support.server import ServerProcess, finished_task
from veogate.storage.signing import UrlSigner

COMPARED_HEADERS = (
    "content-length",
    "content-type",
    "accept-ranges",
    "content-range",
    "etag",
    "last-modified",
    "cache-control",
    "content-disposition",
)


@pytest.fixture(scope="module")
def link(worker_server: ServerProcess) -> str:
    """A download link of a finished job."""
    with worker_server.client() as client:
        created = client.post(
            "/v1/videos/generations",
            json={"model": "veo3.1-fast-official", "prompt": "a kite", "duration": 4},
        )
        task = finished_task(client, created.json()["data"][0]["task_id"])
    assert task["status"] == "completed", task
    return str(task["result"]["videos"][0]["url"][0])


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=30) as client:
        yield client


def split(link: str, server: ServerProcess) -> tuple[str, dict[str, str]]:
    path, _, query = link.removeprefix(server.url).partition("?")
    return path, dict(part.split("=", 1) for part in query.split("&"))


def signed(server: ServerProcess, path: str) -> str:
    """A correctly signed link for the (decoded) `path`, sent percent-encoded."""
    url = UrlSigner(SIGNING_SECRET.encode(), server.url, ttl_seconds=600).sign(path).url
    encoded = quote(url.removeprefix(server.url), safe="/?=&").replace("/../", "/%2E%2E/")
    return server.url + encoded


def refused(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    if response.request.method == "HEAD":
        assert response.content == b""
    else:
        assert response.json()["code"] == ("forbidden" if status == 403 else "not_found")


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize(
    ("exp", "sig"),
    [
        ("²", None),
        ("9" * 5000, None),
        ("٣٣٣٣٣٣٣٣٣٣", None),  # Arabic-Indic digits: str.isdigit() says yes
        ("-1", None),
        ("1e10", None),
        (" 4102444800", None),
        ("", None),
        (None, "é" * 43),
        (None, "A" * 5000),
        (None, ""),
    ],
    ids=[
        "superscript exp",
        "5000-digit exp",
        "arabic-indic exp",
        "negative exp",
        "float exp",
        "spaced exp",
        "empty exp",
        "non-ascii sig",
        "long sig",
        "empty sig",
    ],
)
def test_malformed_links_are_403(
    worker_server: ServerProcess,
    link: str,
    http: httpx.Client,
    method: str,
    exp: str | None,
    sig: str | None,
) -> None:
    path, params = split(link, worker_server)
    query = {
        "exp": params["exp"] if exp is None else exp,
        "sig": params["sig"] if sig is None else sig,
    }
    refused(http.request(method, worker_server.url + path, params=query), 403)


def test_tampered_expired_and_unsigned_links_are_403(
    worker_server: ServerProcess, link: str, http: httpx.Client
) -> None:
    path, params = split(link, worker_server)
    base = worker_server.url + path
    refused(http.get(base, params={"exp": params["exp"], "sig": "A" * 43}), 403)
    refused(http.get(base, params={"exp": int(params["exp"]) + 1, "sig": params["sig"]}), 403)
    refused(http.get(base.replace("/0.mp4", "/1.mp4"), params=params), 403)
    refused(http.get(base), 403)
    signer = UrlSigner(SIGNING_SECRET.encode(), worker_server.url, ttl_seconds=60)
    refused(http.get(signer.sign(path, now=time.time() - 120).url), 403)
    assert http.get(link).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/files/../0.mp4",
        "/files/{job}/².mp4",
        "/files/{job}/" + "1" * 5000 + ".mp4",
        "/files/{job}/0.mp4.exe",
        "/files/{job}/999.mp4",
        "/files/a\x00b/0.mp4",
        "/files/a b/0.mp4",
        "/files/%2e%2e/0.mp4",
    ],
    ids=[
        "dot-dot job",
        "superscript index",
        "5000-digit index",
        "suffix",
        "no such output",
        "NUL in job",
        "space in job",
        "percent in job",
    ],
)
def test_correctly_signed_malformed_keys_are_404(
    worker_server: ServerProcess, link: str, http: httpx.Client, path: str
) -> None:
    job = split(link, worker_server)[0].split("/")[2]
    url = signed(worker_server, path.format(job=job))
    refused(http.get(url), 404)
    refused(http.head(url), 404)


@pytest.mark.parametrize(
    "target",
    [
        "/files/../../etc/passwd",
        "/files/%2e%2e/%2e%2e/etc/passwd",
        "/files/..%2F..%2Fetc/passwd",
        "/files/x/..%5C..%5Cwindows%5Cwin.ini",
    ],
)
def test_path_traversal_is_refused(
    worker_server: ServerProcess, http: httpx.Client, target: str
) -> None:
    # The raw target goes out as written (httpx would remove the dot segments).
    response = http.get(worker_server.url + "/", extensions={"target": target.encode()})
    assert response.status_code in (403, 404), response.text
    assert b"root:" not in response.content


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("bytes=999999999-", 416),
        ("bytes=999999999-999999999999", 416),
        ("bytes=-0", None),
        ("bytes=5-1", None),
        ("bytes=²-", None),
        ("bytes=1" + "0" * 5000 + "-", None),
        ("bytes=" + ",".join(f"{i}-{i}" for i in range(500)), None),
        ("pages=1-2", None),
    ],
    ids=[
        "past the end",
        "far past the end",
        "empty suffix",
        "backwards",
        "superscript",
        "5000 digits",
        "500 ranges",
        "other unit",
    ],
)
def test_range_abuse_is_refused_or_ignored(
    worker_server: ServerProcess, link: str, http: httpx.Client, value: str, status: int | None
) -> None:
    response = http.get(link, headers={"Range": value.encode("latin-1")})
    if status is not None:
        assert response.status_code == status
    assert response.status_code < 500
    assert len(response.content) <= int(http.head(link).headers["content-length"])


@pytest.mark.parametrize("range_header", [None, "bytes=100-1099", "bytes=-500"])
def test_head_answers_as_get_does_without_the_body(
    link: str, http: httpx.Client, range_header: str | None
) -> None:
    headers = {"Range": range_header} if range_header else {}
    got = http.get(link, headers=headers)
    head = http.head(link, headers=headers)
    assert head.status_code == got.status_code == (206 if range_header else 200)
    assert head.content == b""
    for name in COMPARED_HEADERS:
        assert head.headers.get(name) == got.headers.get(name), name
    assert int(head.headers["content-length"]) == len(got.content)
    assert head.headers["accept-ranges"] == "bytes"
    assert head.headers["content-type"] == "video/mp4"
