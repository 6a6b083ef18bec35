"""Every OpenAI-dialect rule over real HTTP: multipart as the SDK sends it, and JSON.

Accepted creates are deleted at once (which cancels them), so the shared server does not
render them.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.images import data_uri, encode, quadrants
from tests.support.server import ServerProcess

PNG = data_uri(quadrants(64, 36))
BASE = {"model": "veo-3.1-fast", "prompt": "a paper boat on a pond", "seconds": "4"}
Fields = dict[str, str | list[str]]


def multipart(fields: Fields) -> list[tuple[str, tuple[None, str]]]:
    """Form fields as multipart parts without a file name, the way the SDK sends them."""
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append((name, (None, item)))
    return parts


def post_form(
    client: httpx.Client, fields: Fields, files: list[Any] | None = None
) -> httpx.Response:
    return client.post("/v1/videos", files=multipart(fields) + (files or []))


def accepted(client: httpx.Client, response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    video: dict[str, Any] = response.json()
    assert client.delete(f"/v1/videos/{video['id']}").status_code == 200
    return video


def assert_error(response: httpx.Response, status: int, param: str | None, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert (error["param"], error["code"]) == (param, code), error
    assert error["message"]


ACCEPTED: list[tuple[str, Fields, tuple[str, str]]] = [
    ("defaults", {"model": "veo-3.1", "prompt": "defaults", "seconds": []}, ("8", "1280x720")),
    ("portrait 6 s", {"seconds": "6", "size": "720x1280"}, ("6", "720x1280")),
    ("1080p", {"seconds": "8", "size": "1920x1080"}, ("8", "1920x1080")),
    ("4K portrait", {"seconds": "8", "size": "2160x3840"}, ("8", "2160x3840")),
    (
        "every extra",
        {
            "negative_prompt": "blurry",
            "seed": "4294967295",
            "generate_audio": "false",
            "person_generation": "dont_allow",
            "resize_mode": "crop",
            "n": "4",
            "input_reference[image_url]": PNG,
            "last_frame[image_url]": PNG,
        },
        ("4", "1280x720"),
    ),
    (
        "three references",
        {"seconds": "8", "reference_images[][image_url]": [PNG, PNG, PNG]},
        ("8", "1280x720"),
    ),
    (
        "indexed references",
        {"seconds": "8", "reference_images[0][image_url]": PNG},
        ("8", "1280x720"),
    ),
]


@pytest.mark.parametrize(("name", "fields", "shape"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_multipart(
    server: ServerProcess, name: str, fields: Fields, shape: tuple[str, str]
) -> None:
    client = server.client()
    video = accepted(client, post_form(client, {**BASE, **fields}))
    assert video["object"] == "video"
    assert video["id"].startswith("video_")
    assert video["status"] in ("queued", "in_progress")
    assert (video["seconds"], video["size"]) == shape


def test_accepted_json_with_integer_seconds(server: ServerProcess) -> None:
    client = server.client()
    body = {
        **BASE,
        "seconds": 6,
        "seed": 3,
        "generate_audio": True,
        "input_reference": {"image_url": PNG},
        "reference_images": None,
    }
    video = accepted(client, client.post("/v1/videos", json=body))
    assert video["seconds"] == "6"


def test_uploaded_file_is_stored_as_the_first_frame(server: ServerProcess) -> None:
    client = server.client()
    image = ("input_reference", ("frame.webp", encode(quadrants(80, 80), "WEBP"), "image/webp"))
    video = accepted(client, post_form(client, BASE, [image]))
    assert video["status"] in ("queued", "in_progress")


REJECTED: list[tuple[str, Fields, str, str]] = [
    ("no model", {"model": []}, "model", "missing_parameter"),
    ("sora model", {"model": "sora-2"}, "model", "invalid_model"),
    ("kyy model", {"model": "veo_3_1_fast"}, "model", "invalid_model"),
    ("no prompt", {"prompt": []}, "prompt", "missing_parameter"),
    ("blank prompt", {"prompt": "   "}, "prompt", "missing_parameter"),
    ("long prompt", {"prompt": "p" * 4001}, "prompt", "invalid_parameter"),
    ("seconds 5", {"seconds": "5"}, "seconds", "invalid_seconds"),
    ("seconds 12", {"seconds": "12"}, "seconds", "invalid_seconds"),
    ("seconds word", {"seconds": "four"}, "seconds", "invalid_seconds"),
    ("sora size", {"size": "1024x1792"}, "size", "invalid_size"),
    ("odd size", {"size": "1280*720"}, "size", "invalid_size"),
    ("1080p needs 8", {"size": "1920x1080", "seconds": "4"}, "seconds", "invalid_seconds"),
    ("4K needs 8", {"size": "3840x2160", "seconds": "6"}, "seconds", "invalid_seconds"),
    ("n 0", {"n": "0"}, "n", "invalid_parameter"),
    ("n 5", {"n": "5"}, "n", "invalid_parameter"),
    ("n word", {"n": "two"}, "n", "invalid_parameter"),
    ("seed negative", {"seed": "-1"}, "seed", "invalid_parameter"),
    ("seed too big", {"seed": "4294967296"}, "seed", "invalid_parameter"),
    ("audio maybe", {"generate_audio": "maybe"}, "generate_audio", "invalid_parameter"),
    (
        "person everyone",
        {"person_generation": "everyone"},
        "person_generation",
        "invalid_parameter",
    ),
    ("resize stretch", {"resize_mode": "stretch"}, "resize_mode", "invalid_parameter"),
    (
        "four references",
        {"seconds": "8", "reference_images[][image_url]": [PNG] * 4},
        "reference_images",
        "invalid_parameter",
    ),
    (
        "references need 8 s",
        {"seconds": "4", "reference_images[][image_url]": [PNG]},
        "seconds",
        "invalid_seconds",
    ),
    (
        "references need 16:9",
        {"seconds": "8", "size": "720x1280", "reference_images[][image_url]": [PNG]},
        "size",
        "invalid_size",
    ),
    (
        "references and a frame",
        {"seconds": "8", "input_reference[image_url]": PNG, "reference_images[][image_url]": [PNG]},
        "reference_images",
        "conflicting_parameters",
    ),
    ("last without first", {"last_frame[image_url]": PNG}, "last_frame", "missing_parameter"),
    (
        "file id",
        {"input_reference[file_id]": "file-abc"},
        "input_reference[file_id]",
        "unsupported_parameter",
    ),
    (
        "ftp image",
        {"input_reference[image_url]": "ftp://x/y.png"},
        "input_reference",
        "invalid_parameter",
    ),
    (
        "not an image",
        {"input_reference[image_url]": "data:image/png;base64,aGVsbG8="},
        "input_reference",
        "invalid_image",
    ),
    (
        "reference not an image",
        {"seconds": "8", "reference_images[][image_url]": ["data:image/png;base64,aGVsbG8="]},
        "reference_images[0]",
        "invalid_image",
    ),
    ("model twice", {"model": ["veo-3.1", "veo-3.1-fast"]}, "model", "conflicting_parameters"),
    ("too deep", {"a[b][c][d][e]": "x"}, "a[b][c][d][e]", "invalid_parameter"),
]


@pytest.mark.parametrize(
    ("name", "fields", "param", "code"), REJECTED, ids=[r[0] for r in REJECTED]
)
def test_rejected_multipart(
    server: ServerProcess, name: str, fields: Fields, param: str, code: str
) -> None:
    body = {**BASE, **fields}
    body = {k: v for k, v in body.items() if v != []}
    assert_error(post_form(server.client(), body), 400, param, code)


def test_uploads_that_are_refused(server: ServerProcess) -> None:
    client = server.client()
    text = ("input_reference", ("notes.png", b"just text", "image/png"))
    assert_error(post_form(client, BASE, [text]), 400, "input_reference", "invalid_image")
    png = encode(quadrants(40, 40))
    elsewhere = ("last_frame", ("last.png", png, "image/png"))
    assert_error(post_form(client, BASE, [elsewhere]), 400, "last_frame", "invalid_parameter")
    both = ("input_reference", ("first.png", png, "image/png"))
    fields = {**BASE, "input_reference[image_url]": PNG}
    response = post_form(client, fields, [both])
    assert_error(response, 400, response.json()["error"]["param"], "conflicting_parameters")
    assert response.json()["error"]["param"].startswith("input_reference")


@pytest.mark.parametrize(
    ("name", "body", "param", "code"),
    [
        ("seconds fraction", {"seconds": 4.5}, "seconds", "invalid_seconds"),
        ("seconds bool", {"seconds": True}, "seconds", "invalid_seconds"),
        ("seed string", {"seed": "42"}, "seed", "invalid_parameter"),
        (
            "reference string list",
            {"reference_images": "x"},
            "reference_images",
            "invalid_parameter",
        ),
        (
            "image object without url",
            {"input_reference": {}},
            "input_reference[image_url]",
            "missing_parameter",
        ),
        ("size number", {"size": 720}, "size", "invalid_size"),
    ],
)
def test_rejected_json(
    server: ServerProcess, name: str, body: dict[str, Any], param: str, code: str
) -> None:
    response = server.client().post("/v1/videos", json={**BASE, **body})
    assert_error(response, 400, param, code)


def test_body_cap_and_content_type(server: ServerProcess) -> None:
    client = server.client()
    huge = "data:image/png;base64," + "A" * (5 * 1024 * 1024)  # the server caps bodies at 4 MiB
    response = post_form(client, {**BASE, "input_reference[image_url]": huge})
    assert_error(response, 413, None, "payload_too_large")
    response = client.post(
        "/v1/videos", content=b"prompt=x", headers={"Content-Type": "text/plain"}
    )
    assert_error(response, 400, "Content-Type", "unsupported_media_type")
    response = client.post("/v1/videos", content=b"{", headers={"Content-Type": "application/json"})
    assert_error(response, 400, None, "invalid_json")


def test_url_encoded_form(server: ServerProcess) -> None:
    client = server.client()
    video = accepted(client, client.post("/v1/videos", data={**BASE, "size": "720x1280"}))
    assert video["size"] == "720x1280"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("order=sideways", "order"),
        ("after=not-an-id", "after"),
    ],
)
def test_list_rejects_bad_queries(server: ServerProcess, query: str, param: str) -> None:
    assert_error(server.client().get(f"/v1/videos?{query}"), 400, param, "invalid_parameter")


def test_content_rules(server: ServerProcess) -> None:
    client = server.client()
    response = post_form(client, {**BASE, "model": "veo-3.1", "seconds": "8", "size": "1920x1080"})
    assert response.status_code == 200, response.text
    video_id = response.json()["id"]
    try:
        early = client.get(f"/v1/videos/{video_id}/content")
        assert_error(early, 404, "id", "not_found")
        assert (
            "queued" in early.json()["error"]["message"]
            or "running" in early.json()["error"]["message"]
        )
        assert_error(
            client.get(f"/v1/videos/{video_id}/content?variant=gif"),
            400,
            "variant",
            "invalid_parameter",
        )
    finally:
        client.delete(f"/v1/videos/{video_id}")
    unknown = client.get("/v1/videos/video_01jd0000000000000000000000/content")
    assert_error(unknown, 404, "id", "not_found")


def test_foreign_videos_are_404(server: ServerProcess) -> None:
    owner = server.client()
    video = post_form(owner, BASE).json()
    stranger = server.client(server.create_key("openai-stranger"))
    try:
        for method, path in [
            ("GET", f"/v1/videos/{video['id']}"),
            ("GET", f"/v1/videos/{video['id']}/content"),
            ("DELETE", f"/v1/videos/{video['id']}"),
        ]:
            assert_error(stranger.request(method, path), 404, "id", "not_found")
        assert stranger.get("/v1/videos").json()["data"] == []
    finally:
        owner.delete(f"/v1/videos/{video['id']}")


def test_apimart_route_is_still_apimart(server: ServerProcess) -> None:
    client = server.client()
    response = client.post("/v1/videos/generations", json={"model": "veo-3.1", "prompt": "x"})
    assert response.status_code == 400
    assert response.json()["code"] == 400  # apimart's error shape, not OpenAI's
    assert response.json()["error"]["param"] == "model"


def test_openapi_lists_the_routes(server: ServerProcess) -> None:
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert set(paths["/v1/videos"]) == {"get", "post"}
    assert set(paths["/v1/videos/{video_id}"]) == {"get", "delete"}
    assert "get" in paths["/v1/videos/{video_id}/content"]
    assert "post" in paths["/v1/videos/generations"]
