"""POST /v1/uploads/images: type sniffing, the image caps, and a signed URL that serves the
bytes and works as an image input of any dialect without an outbound fetch (this server
may not fetch from loopback, where it lives)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.support.images import encode, first_and_last_frames, fitted, mean_abs_diff, quadrants
from tests.support.server import ServerProcess, finished_task, wait_for
from veogate.storage.signing import UrlSigner

SECRET = "uploads-test-secret-" + "x" * 32
MAX_BYTES = 200_000
MAX_PIXELS = 1_000_000
CLOSE = 6.0


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server with the default outbound policy (no loopback) and small image caps."""
    proc = ServerProcess(
        tmp_path_factory.mktemp("uploads"),
        env={
            "VEOGATE_SIGNING_SECRET": SECRET,
            "VEOGATE_IMAGE_MAX_BYTES": str(MAX_BYTES),
            "VEOGATE_IMAGE_MAX_PIXELS": str(MAX_PIXELS),
            "VEOGATE_RATE_LIMIT_PER_MINUTE": "0",
        },
    )
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> httpx.Client:
    return server.client()


def upload(
    client: httpx.Client, data: bytes, name: str = "photo.png", kind: str = "image/png"
) -> httpx.Response:
    return client.post("/v1/uploads/images", files={"file": (name, data, kind)})


@pytest.mark.parametrize(
    ("fmt", "media_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_type_is_sniffed_from_the_bytes(client: httpx.Client, fmt: str, media_type: str) -> None:
    data = encode(quadrants(120, 80), fmt)
    response = upload(client, data, name="misleading.gif", kind="text/plain")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["content_type"] == media_type
    assert body["bytes"] == len(data)
    assert body["filename"] == "misleading.gif"
    assert isinstance(body["created_at"], int)
    served = httpx.get(body["url"])  # anyone holding the URL, no key
    assert served.status_code == 200
    assert served.content == data
    assert served.headers["content-type"] == media_type


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GIF89a" + b"\x00" * 64, "GIF"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "SVG"),
        (b"", "empty"),
        (encode(quadrants(1100, 1000)), "too many pixels"),
    ],
    ids=["gif", "svg", "empty", "pixels"],
)
def test_refused_images(client: httpx.Client, data: bytes, reason: str) -> None:
    response = upload(client, data)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["param"] == "file"
    assert reason in error["message"]


def test_byte_cap(client: httpx.Client) -> None:
    noise = Image.frombytes("RGB", (300, 300), os.urandom(300 * 300 * 3))
    data = encode(noise)
    assert len(data) > MAX_BYTES
    response = upload(client, data)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_request_shape_errors(client: httpx.Client) -> None:
    not_multipart = client.post("/v1/uploads/images", json={"file": "x"})
    assert not_multipart.status_code == 400
    assert not_multipart.json()["error"]["param"] == "file"
    wrong_field = client.post(
        "/v1/uploads/images", files={"image": ("a.png", encode(quadrants(8, 8)), "image/png")}
    )
    assert wrong_field.status_code == 400
    assert wrong_field.json()["error"]["code"] == "missing_parameter"
    unauthenticated = httpx.post(
        f"{client.base_url}/v1/uploads/images", files={"file": ("a.png", b"x", "image/png")}
    )
    assert unauthenticated.status_code == 401


def test_tampered_and_expired_links_are_403(server: ServerProcess, client: httpx.Client) -> None:
    url = upload(client, encode(quadrants(40, 40))).json()["url"]
    assert httpx.get(url).status_code == 200
    path = httpx.URL(url).path
    tampered = url.replace("sig=", "sig=A")[: len(url)]
    assert httpx.get(tampered).status_code == 403
    other_path = url.replace(path, path.replace(path[9:13], "0000"))
    assert httpx.get(other_path).status_code == 403
    signer = UrlSigner(SECRET.encode(), server.url, 3600)
    expired = signer.sign(path, now=time.time() - 7200).url
    assert httpx.get(expired).status_code == 403
    fresh = signer.sign(path).url
    assert httpx.get(fresh).status_code == 200  # the same signer: only expiry refused it
    response = client.post(
        "/v1/videos/generations",
        json={"model": "veo3.1-fast-official", "prompt": "x", "first_frame_image": expired},
    )
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "first_frame_image"
    assert "expired" in response.json()["error"]["message"]


def test_upload_url_as_first_frame_without_fetching(
    server: ServerProcess, client: httpx.Client
) -> None:
    image = quadrants(320, 240)
    url = upload(client, encode(image)).json()["url"]
    response = client.post(
        "/v1/videos/generations",
        json={
            "model": "veo3.1-fast-official",
            "prompt": "from an upload",
            "duration": 4,
            "first_frame_image": url,
        },
    )
    assert response.status_code == 200, response.text
    task = finished_task(client, response.json()["data"][0]["task_id"])
    assert task["status"] == "completed", task  # loopback fetching is forbidden here
    frame0, _, _ = first_and_last_frames(httpx.get(task["result"]["videos"][0]["url"][0]).content)
    assert mean_abs_diff(frame0, fitted(image, (1280, 720), "pad")) < CLOSE
    log = Path(server.log_path).read_text()
    assert "loopback" not in log


def test_upload_url_in_kyy(client: httpx.Client) -> None:
    url = upload(client, encode(quadrants(200, 200), "WEBP"), name="a.webp").json()["url"]
    response = client.post(
        "/v1/veo/videos",
        json={"model": "veo_3_1_fast_stable", "prompt": "kyy from an upload", "first_image": url},
    )
    assert response.status_code == 200, response.text
    result = wait_for(
        client,
        f"/v1/result/{response.json()['id']}",
        lambda b: b["status"] in ("completed", "failed"),
    )
    assert result["status"] == "completed", result


def test_foreign_uploads_path_is_fetched_as_usual(client: httpx.Client) -> None:
    """Another host's /uploads/ URL is not ours: fetched by the policy (here refused, as
    loopback), never mistaken for a stored object."""
    response = client.post(
        "/v1/videos/generations",
        json={
            "model": "veo3.1-fast-official",
            "prompt": "x",
            "duration": 4,
            "first_frame_image": "http://localhost:9/uploads/" + "a" * 64 + ".png",
        },
    )
    assert response.status_code == 200, response.text
    task = finished_task(client, response.json()["data"][0]["task_id"])
    assert task["status"] == "failed"
    assert "first_frame_image" in task["error"]["message"]
