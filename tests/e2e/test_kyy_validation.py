"""Every kyy create rule over real HTTP: accepted requests and each 4xx with its field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess

PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAW"
    "jR9awAAAABJRU5ErkJggg=="
)
BASE = {"model": "veo_3_1_fast", "prompt": "a cat"}

ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("minimal", {}),
    ("720P upper case", {"resolution": "720P"}),
    ("1080p", {"resolution": "1080p"}),
    ("4k lower case", {"resolution": "4k"}),
    ("portrait", {"aspect_ratio": "9:16"}),
    ("first frame", {"first_image": PNG}),
    ("first+last", {"first_image": PNG, "last_image": PNG}),
    ("three refs", {"input_reference": [PNG, PNG, PNG]}),
    ("image_urls alias", {"image_urls": [PNG]}),
    ("empty ref list is absent", {"input_reference": []}),
    ("unknown extras ignored", {"duration": 4, "foo": {"bar": 1}}),
    ("stable first+last", {"model": "veo_3_1_fast_stable", "first_image": PNG, "last_image": PNG}),
    ("pro stable refs", {"model": "veo_3_1_pro_stable", "input_reference": [PNG]}),
    ("pro 4K", {"model": "veo_3_1_pro", "resolution": "4K"}),
]

REJECTED: list[tuple[str, dict[str, Any], str, str]] = [
    ("no model", {"model": None}, "model", "missing_parameter"),
    ("unknown model", {"model": "veo_9"}, "model", "invalid_parameter"),
    ("apimart model in kyy", {"model": "veo3.1-fast-official"}, "model", "invalid_parameter"),
    ("no prompt", {"prompt": None}, "prompt", "missing_parameter"),
    ("blank prompt", {"prompt": "   "}, "prompt", "missing_parameter"),
    ("long prompt", {"prompt": "x" * 4001}, "prompt", "invalid_parameter"),
    ("prompt number", {"prompt": 5}, "prompt", "invalid_parameter"),
    ("prompt with NUL", {"prompt": "a\u0000b"}, "prompt", "invalid_parameter"),
    ("model number", {"model": 5}, "model", "invalid_parameter"),
    ("bad resolution", {"resolution": "480p"}, "resolution", "invalid_parameter"),
    (
        "4K on stable",
        {"model": "veo_3_1_pro_stable", "resolution": "4K"},
        "resolution",
        "invalid_parameter",
    ),
    (
        "4K on fast stable",
        {"model": "veo_3_1_fast_stable", "resolution": "4k"},
        "resolution",
        "invalid_parameter",
    ),
    ("suffixed aspect", {"aspect_ratio": "16:9-1080p"}, "aspect_ratio", "invalid_parameter"),
    ("square aspect", {"aspect_ratio": "1:1"}, "aspect_ratio", "invalid_parameter"),
    (
        "both ref fields",
        {"input_reference": [PNG], "image_urls": [PNG]},
        "image_urls",
        "conflicting_parameters",
    ),
    (
        "refs and frame",
        {"input_reference": [PNG], "first_image": PNG},
        "input_reference",
        "conflicting_parameters",
    ),
    (
        "refs on fast stable",
        {"model": "veo_3_1_fast_stable", "input_reference": [PNG]},
        "input_reference",
        "invalid_parameter",
    ),
    ("four refs", {"input_reference": [PNG] * 4}, "input_reference", "invalid_parameter"),
    (
        "refs need 16:9",
        {"input_reference": [PNG], "aspect_ratio": "9:16"},
        "aspect_ratio",
        "invalid_parameter",
    ),
    ("last without first", {"last_image": PNG}, "last_image", "missing_parameter"),
    ("refs not a list", {"input_reference": PNG}, "input_reference", "invalid_parameter"),
    ("ref not a string", {"input_reference": [5]}, "input_reference[0]", "invalid_parameter"),
    ("image not a URL", {"first_image": "ftp://x/y.png"}, "first_image", "invalid_parameter"),
    ("resolution number", {"resolution": 720}, "resolution", "invalid_parameter"),
    # Fields of other APIs that carry images are never dropped silently.
    ("apimart's frame field", {"first_frame_image": PNG}, "first_frame_image", "invalid_parameter"),
    (
        "reference_images",
        {"reference_images": ["https://example.com/a.png"]},
        "reference_images",
        "invalid_parameter",
    ),
    ("image object", {"image": {"url": "https://example.com/a.png"}}, "image", "invalid_parameter"),
]


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> httpx.Client:
    return server.client()


def create(client: httpx.Client, changes: dict[str, Any]) -> httpx.Response:
    body = {**BASE, **changes}
    body = {k: v for k, v in body.items() if v is not None}
    return client.post("/v1/veo/videos", json=body)


@pytest.mark.parametrize(("case", "changes"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_accepted(client: httpx.Client, case: str, changes: dict[str, Any]) -> None:
    response = create(client, changes)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"].startswith("vgen_")
    assert body["object"] == "video"
    assert body["status"] == "queued"
    assert body["model"] == {**BASE, **changes}["model"]
    assert isinstance(body["created"], int)
    client.post(f"/v1/veo/videos/{body['id']}/cancel")  # keep the shared server's queue short


@pytest.mark.parametrize(
    ("case", "changes", "param", "code"), REJECTED, ids=[c[0] for c in REJECTED]
)
def test_rejected(
    client: httpx.Client, case: str, changes: dict[str, Any], param: str, code: str
) -> None:
    response = create(client, changes)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["param"] == param
    assert body["code"] == code
    assert param in body["error"] or case in ("no model", "blank prompt")


def test_error_message_names_model_and_offer(client: httpx.Client) -> None:
    body = create(client, {"model": "veo_3_1_pro_stable", "resolution": "4K"}).json()
    assert body["error"] == (
        "resolution 4K is not offered by model veo_3_1_pro_stable (offered: 720p, 1080p)"
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [(b"{not json", "invalid_json"), (b"[1, 2]", "invalid_json"), (b"", "invalid_json")],
)
def test_malformed_bodies(client: httpx.Client, raw: bytes, code: str) -> None:
    response = client.post(
        "/v1/veo/videos", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_oversize_body_is_413(client: httpx.Client) -> None:
    big = {**BASE, "prompt": "x" * (5 * 1024 * 1024)}
    response = client.post("/v1/veo/videos", json=big)
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.parametrize("header", [None, "Bearer nope", "Basic abc", "Bearer"])
def test_auth_required(server: ServerProcess, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    response = httpx.post(f"{server.url}/v1/veo/videos", json=BASE, headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    "path", ["/kyyReactApiServer/v1/veo/videos", "/kyyReactApiServer/veo/videos", "/v1/veo/videos"]
)
def test_create_paths(client: httpx.Client, path: str) -> None:
    response = client.post(path, json=BASE)
    assert response.status_code == 200, response.text
    job_id = response.json()["id"]
    for read in (
        f"/v1/result/{job_id}",
        f"/kyyReactApiServer/v1/result/{job_id}",
        f"/v1/veo/videos/{job_id}",
    ):
        assert client.get(read).json()["id"] == job_id
    client.post(f"/v1/veo/videos/{job_id}/cancel")


def test_unknown_job_is_404(client: httpx.Client) -> None:
    response = client.get("/v1/result/vgen_nope")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_fields_are_named_in_warnings(client: httpx.Client) -> None:
    response = create(client, {"duration": 4, "style": "noir", "image_count": 2})
    assert response.status_code == 200, response.text
    job_id = response.json()["id"]
    client.post(f"/v1/veo/videos/{job_id}/cancel")
    warnings = client.get(f"/v1/result/{job_id}").json()["warnings"]
    for name in ("duration", "style", "image_count"):
        assert any(f'"{name}"' in w for w in warnings), (name, warnings)
