"""Every apimart create rule over real HTTP: accepted requests and each 4xx with its field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.server import ServerProcess

PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAW"
    "jR9awAAAABJRU5ErkJggg=="
)
BASE = {"model": "veo3.1-fast-official", "prompt": "a golden retriever running on the beach"}

ACCEPTED: list[tuple[str, dict[str, Any]]] = [
    ("minimal", {}),
    ("quality model", {"model": "veo3.1-quality-official"}),
    ("duration 4", {"duration": 4}),
    ("duration 6", {"duration": 6}),
    ("duration 8.0", {"duration": 8.0}),
    ("1080p at 8", {"resolution": "1080p", "duration": 8}),
    ("4K upper", {"resolution": "4K"}),
    ("720P upper", {"resolution": "720P", "duration": 4}),
    ("portrait", {"aspect_ratio": "9:16"}),
    (
        "all options",
        {
            "negative_prompt": "blurry",
            "seed": 4294967295,
            "sample_count": 4,
            "generate_audio": True,
            "person_generation": "disallow",
            "resize_mode": "crop",
            "enhance_prompt": False,
        },
    ),
    ("seed zero", {"seed": 0}),
    ("alias n", {"n": 2}),
    ("alias number_of_videos", {"number_of_videos": 3}),
    ("same count twice", {"n": 2, "sample_count": 2}),
    ("first frame", {"first_frame_image": PNG}),
    ("first+last", {"first_frame_image": PNG, "last_frame_image": PNG, "resize_mode": "pad"}),
    ("extras ignored", {"callback_url": "https://x", "style": 3}),
]

REJECTED: list[tuple[str, dict[str, Any], str, str]] = [
    ("no model", {"model": None}, "model", "missing_parameter"),
    ("kyy model", {"model": "veo_3_1_fast"}, "model", "invalid_model"),
    ("no prompt", {"prompt": None}, "prompt", "missing_parameter"),
    ("long prompt", {"prompt": "p" * 4001}, "prompt", "invalid_parameter"),
    ("duration string", {"duration": "8"}, "duration", "invalid_duration"),
    ("duration 5", {"duration": 5}, "duration", "invalid_duration"),
    ("duration 8.5", {"duration": 8.5}, "duration", "invalid_duration"),
    ("duration bool", {"duration": True}, "duration", "invalid_duration"),
    ("1080p needs 8", {"resolution": "1080p", "duration": 4}, "duration", "invalid_duration"),
    ("4K needs 8", {"resolution": "4K", "duration": 6}, "duration", "invalid_duration"),
    ("bad resolution", {"resolution": "2K"}, "resolution", "invalid_resolution"),
    ("bad aspect", {"aspect_ratio": "4:3"}, "aspect_ratio", "invalid_aspect_ratio"),
    ("seed negative", {"seed": -1}, "seed", "invalid_parameter"),
    ("seed too big", {"seed": 4294967296}, "seed", "invalid_parameter"),
    ("seed string", {"seed": "42"}, "seed", "invalid_parameter"),
    ("samples 0", {"sample_count": 0}, "sample_count", "invalid_parameter"),
    ("samples 5", {"sample_count": 5}, "sample_count", "invalid_parameter"),
    ("n 5", {"n": 5}, "n", "invalid_parameter"),
    ("aliases disagree", {"n": 2, "sample_count": 3}, "n", "conflicting_parameters"),
    ("audio string", {"generate_audio": "true"}, "generate_audio", "invalid_parameter"),
    ("enhance number", {"enhance_prompt": 1}, "enhance_prompt", "invalid_parameter"),
    (
        "person allow_all",
        {"person_generation": "allow_all"},
        "person_generation",
        "invalid_parameter",
    ),
    ("resize stretch", {"resize_mode": "stretch"}, "resize_mode", "invalid_parameter"),
    ("last without first", {"last_frame_image": PNG}, "last_frame_image", "missing_parameter"),
    (
        "frame not a URL",
        {"first_frame_image": "/etc/passwd"},
        "first_frame_image",
        "invalid_parameter",
    ),
    ("negative prompt number", {"negative_prompt": 3}, "negative_prompt", "invalid_parameter"),
]


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> httpx.Client:
    return server.client()


def create(client: httpx.Client, changes: dict[str, Any]) -> httpx.Response:
    body = {k: v for k, v in {**BASE, **changes}.items() if v is not None}
    return client.post("/v1/videos/generations", json=body)


@pytest.mark.parametrize(("case", "changes"), ACCEPTED, ids=[c[0] for c in ACCEPTED])
def test_accepted(client: httpx.Client, case: str, changes: dict[str, Any]) -> None:
    response = create(client, changes)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["code"] == 200
    (entry,) = body["data"]
    assert entry["status"] == "submitted"
    assert entry["task_id"].startswith("task_")
    cancelled = client.post(f"/v1/tasks/{entry['task_id']}/cancel").json()["data"]
    assert cancelled["status"] in ("cancelled", "completed")


@pytest.mark.parametrize(
    ("case", "changes", "param", "code"), REJECTED, ids=[c[0] for c in REJECTED]
)
def test_rejected(
    client: httpx.Client, case: str, changes: dict[str, Any], param: str, code: str
) -> None:
    response = create(client, changes)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["code"] == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["param"] == param
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_duration_string_message(client: httpx.Client) -> None:
    body = create(client, {"duration": "8"}).json()
    assert body["error"]["message"] == 'duration must be an integer (4, 6 or 8), got string "8"'


def test_auth_error_shape(server: ServerProcess) -> None:
    response = httpx.post(f"{server.url}/v1/videos/generations", json=BASE)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_unknown_task_is_404(client: httpx.Client) -> None:
    response = client.get("/v1/tasks/task_NOPE")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_malformed_json(client: httpx.Client) -> None:
    response = client.post(
        "/v1/videos/generations",
        content=b'{"model": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"
