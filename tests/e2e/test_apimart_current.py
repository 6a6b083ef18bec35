"""apimart's current contract (`X-APIMart-Response-Version`), Idempotency-Replayed, the
field aliases real clients send (`size`, `image_urls`, `image_with_roles`) and unknown
fields named in the task's warnings. Over real HTTP; what a job will do is read from the
spec it stored, and the image modes from decoded frames."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

import httpx
import pytest
from PIL import Image

from tests.support.images import data_uri, first_and_last_frames, fitted, mean_abs_diff, quadrants
from tests.support.server import ServerProcess, finished_task
from veogate.ids import ref_of

VERSION = {"X-APIMart-Response-Version": "2026-07-27"}
BASE = {"model": "veo3.1-fast-official", "prompt": "a lighthouse at dusk", "duration": 4}
PNG = data_uri(quadrants(64, 36))
CLOSE = 6.0


@pytest.fixture(scope="module")
def client(server: ServerProcess) -> httpx.Client:
    return server.client()


def create(client: httpx.Client, changes: dict[str, Any], **headers: str) -> httpx.Response:
    return client.post("/v1/videos/generations", json={**BASE, **changes}, headers=headers)


def stored_spec(server: ServerProcess, task_id: str) -> dict[str, Any]:
    with sqlite3.connect(server.data_dir / "veogate.sqlite") as db:
        (spec,) = db.execute("SELECT spec FROM jobs WHERE ref = ?", (ref_of(task_id),)).fetchone()
    return json.loads(spec)  # type: ignore[no-any-return]


def accepted(server: ServerProcess, client: httpx.Client, changes: dict[str, Any]) -> str:
    response = create(client, changes)
    assert response.status_code == 200, response.text
    task_id: str = response.json()["data"][0]["task_id"]
    client.post(f"/v1/tasks/{task_id}/cancel")
    return task_id


# ------------------------------------------------------------------ the current contract


def test_current_create_shape_and_echo(client: httpx.Client) -> None:
    response = create(client, {}, **VERSION)
    assert response.status_code == 200, response.text
    assert response.headers["X-APIMart-Response-Version"] == "2026-07-27"
    body = response.json()
    assert body["code"] == 200
    assert isinstance(body["request_id"], str)
    assert body["request_id"]
    data = body["data"]
    assert data["id"].startswith("task_")
    assert data["object"] == "generation.task"
    assert data["model"] == "veo3.1-fast-official"
    assert data["status"] == "pending"
    assert data["progress"] == 0
    assert isinstance(data["created"], int)
    assert data["type"] == "video"
    assert data["task_info"]["can_cancel"] is True
    assert data["task_info"]["estimated_time"] > 0
    read = client.get(f"/v1/tasks/{data['id']}", headers=VERSION)
    assert read.headers["X-APIMart-Response-Version"] == "2026-07-27"
    assert read.json()["data"]["id"] == data["id"]
    cancelled = client.post(f"/v1/tasks/{data['id']}/cancel", headers=VERSION)
    assert cancelled.headers["X-APIMart-Response-Version"] == "2026-07-27"


def test_classic_contract_without_the_header(client: httpx.Client) -> None:
    response = create(client, {})
    assert "X-APIMart-Response-Version" not in response.headers
    (entry,) = response.json()["data"]
    assert entry["status"] == "submitted"
    client.post(f"/v1/tasks/{entry['task_id']}/cancel")


@pytest.mark.parametrize(
    ("path", "method", "status"),
    [
        ("/v1/videos/generations", "POST", 400),
        ("/v1/tasks/task_NOPE", "GET", 404),
        ("/v1/model-schema?model=nope", "GET", 404),
        ("/v1/uploads/images", "POST", 400),
    ],
)
def test_errors_echo_the_version(client: httpx.Client, path: str, method: str, status: int) -> None:
    body = {"model": "veo3.1-fast-official"} if method == "POST" else None
    response = client.request(method, path, json=body, headers=VERSION)
    assert response.status_code == status, response.text
    assert response.headers["X-APIMart-Response-Version"] == "2026-07-27"
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_auth_error_echoes_the_version(server: ServerProcess) -> None:
    response = httpx.post(f"{server.url}/v1/videos/generations", json=BASE, headers=VERSION)
    assert response.status_code == 401
    assert response.headers["X-APIMart-Response-Version"] == "2026-07-27"


def test_unknown_version_is_refused(client: httpx.Client) -> None:
    response = create(client, {}, **{"X-APIMart-Response-Version": "2031-01-01"})
    assert response.status_code == 400
    assert response.json()["error"]["param"] == "X-APIMart-Response-Version"
    assert "X-APIMart-Response-Version" not in response.headers


@pytest.mark.parametrize("headers", [VERSION, {}], ids=["current", "classic"])
def test_idempotency_replayed(client: httpx.Client, headers: dict[str, str]) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4()), **headers}
    first = create(client, {}, **key)
    again = create(client, {}, **key)
    assert first.status_code == again.status_code == 200
    assert first.headers["Idempotency-Replayed"] == "false"
    assert again.headers["Idempotency-Replayed"] == "true"
    ids = [r.json()["data"] for r in (first, again)]
    task_ids = [d["id"] if headers else d[0]["task_id"] for d in ids]
    assert task_ids[0] == task_ids[1]
    assert create(client, {}, **headers).headers["Idempotency-Replayed"] == "false"
    client.post(f"/v1/tasks/{task_ids[0]}/cancel")


# ------------------------------------------------------------------ aliases

SIZES = [
    ({"size": "9:16"}, "720p", "9:16"),
    ({"size": "16:9", "aspect_ratio": "16:9"}, "720p", "16:9"),
    ({"size": "1280x720"}, "720p", "16:9"),
    ({"size": "1080x1920", "duration": 8}, "1080p", "9:16"),
    ({"size": "3840x2160", "duration": 8, "resolution": "4k"}, "4K", "16:9"),
    ({"size": "720x1280", "aspect_ratio": "9:16", "resolution": "720p"}, "720p", "9:16"),
]


@pytest.mark.parametrize(("changes", "resolution", "aspect"), SIZES)
def test_size_alias(
    server: ServerProcess,
    client: httpx.Client,
    changes: dict[str, Any],
    resolution: str,
    aspect: str,
) -> None:
    spec = stored_spec(server, accepted(server, client, changes))
    assert (spec["resolution"], spec["aspect_ratio"]) == (resolution, aspect)


def test_image_urls_count_semantics(server: ServerProcess, client: httpx.Client) -> None:
    one = stored_spec(server, accepted(server, client, {"image_urls": [PNG]}))
    assert one["first_frame"]["field"] == "image_urls[0]"
    assert one["first_frame"]["stored_key"]
    assert one["last_frame"] is None
    two = stored_spec(server, accepted(server, client, {"image_urls": [PNG, PNG]}))
    assert two["last_frame"]["field"] == "image_urls[1]"
    framed = stored_spec(
        server, accepted(server, client, {"image_urls": [PNG], "generation_type": "frame"})
    )
    assert framed["first_frame"]["field"] == "image_urls[0]"


def test_image_with_roles(server: ServerProcess, client: httpx.Client) -> None:
    roles = [{"url": PNG, "role": "last_frame"}, {"url": PNG, "role": "first_frame"}]
    spec = stored_spec(server, accepted(server, client, {"image_with_roles": roles}))
    assert spec["first_frame"]["field"] == "image_with_roles[1].url"
    assert spec["last_frame"]["field"] == "image_with_roles[0].url"
    first = stored_spec(
        server,
        accepted(server, client, {"image_with_roles": [{"url": PNG, "role": "first_frame"}]}),
    )
    assert first["first_frame"]["stored_key"]
    assert first["last_frame"] is None


def test_empty_image_arrays_are_absent(server: ServerProcess, client: httpx.Client) -> None:
    spec = stored_spec(
        server, accepted(server, client, {"image_urls": [], "first_frame_image": PNG})
    )
    assert spec["first_frame"]["field"] == "first_frame_image"


CONFLICT, INVALID = "conflicting_parameters", "invalid_parameter"
MISSING, UNSUPPORTED = "missing_parameter", "unsupported_mode"
URL = "https://example.com/"
ROLES_FIRST = {"url": PNG, "role": "first_frame"}
REJECTED: list[tuple[str, dict[str, Any], str, str]] = [
    ("size vs aspect", {"size": "9:16", "aspect_ratio": "16:9"}, "size", CONFLICT),
    ("size vs resolution", {"size": "1280x720", "resolution": "1080p"}, "size", CONFLICT),
    ("size pixels vs aspect", {"size": "1280x720", "aspect_ratio": "9:16"}, "size", CONFLICT),
    ("size not offered", {"size": "1000x1000"}, "size", INVALID),
    ("size nonsense", {"size": "big"}, "size", INVALID),
    ("size number", {"size": 720}, "size", INVALID),
    ("size 1080p needs 8", {"size": "1920x1080"}, "duration", "invalid_duration"),
    ("three urls: reference", {"image_urls": [PNG] * 3}, "image_urls", UNSUPPORTED),
    ("four urls", {"image_urls": [PNG] * 4}, "image_urls", INVALID),
    (
        "frame with three",
        {"image_urls": [PNG] * 3, "generation_type": "frame"},
        "generation_type",
        INVALID,
    ),
    (
        "reference asked",
        {"image_urls": [PNG], "generation_type": "reference"},
        "image_urls",
        UNSUPPORTED,
    ),
    (
        "generation_type bad",
        {"image_urls": [PNG], "generation_type": "video"},
        "generation_type",
        INVALID,
    ),
    ("image_urls string", {"image_urls": PNG}, "image_urls", INVALID),
    ("image_urls item", {"image_urls": [PNG, 5]}, "image_urls[1]", INVALID),
    ("urls + first", {"first_frame_image": PNG, "image_urls": [PNG]}, "image_urls", CONFLICT),
    (
        "urls + roles",
        {"image_urls": [PNG], "image_with_roles": [ROLES_FIRST]},
        "image_with_roles",
        CONFLICT,
    ),
    (
        "last + roles",
        {"last_frame_image": PNG, "image_with_roles": [ROLES_FIRST]},
        "image_with_roles",
        CONFLICT,
    ),
    (
        "roles reference",
        {"image_with_roles": [{"url": PNG, "role": "reference"}]},
        "image_with_roles",
        UNSUPPORTED,
    ),
    (
        "roles mixed",
        {"image_with_roles": [ROLES_FIRST, {"url": PNG, "role": "reference"}]},
        "image_with_roles",
        CONFLICT,
    ),
    (
        "roles two firsts",
        {"image_with_roles": [ROLES_FIRST, ROLES_FIRST]},
        "image_with_roles[1].role",
        INVALID,
    ),
    (
        "roles last only",
        {"image_with_roles": [{"url": PNG, "role": "last_frame"}]},
        "image_with_roles",
        MISSING,
    ),
    (
        "roles bad role",
        {"image_with_roles": [{"url": PNG, "role": "middle"}]},
        "image_with_roles[0].role",
        INVALID,
    ),
    (
        "roles no url",
        {"image_with_roles": [{"role": "first_frame"}]},
        "image_with_roles[0].url",
        MISSING,
    ),
    ("roles not list", {"image_with_roles": {"url": PNG}}, "image_with_roles", INVALID),
    (
        "roles bad url",
        {"image_with_roles": [{"url": "/etc/passwd", "role": "first_frame"}]},
        "image_with_roles[0].url",
        INVALID,
    ),
    ("unknown image field", {"image": URL + "cat.png"}, "image", INVALID),
    ("unknown data uri", {"style": PNG}, "style", INVALID),
    ("unknown nested", {"input_image": {"url": URL + "a.png"}}, "input_image", INVALID),
    ("unknown references", {"reference_images": [URL + "a.png"]}, "reference_images", INVALID),
]


@pytest.mark.parametrize(
    ("case", "changes", "param", "code"), REJECTED, ids=[c[0] for c in REJECTED]
)
def test_alias_rejected(
    client: httpx.Client, case: str, changes: dict[str, Any], param: str, code: str
) -> None:
    response = create(client, changes)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert (error["param"], error["code"]) == (param, code), error
    assert param.split("[")[0] in error["message"] or param == "duration"


def test_unknown_fields_are_named_in_warnings(client: httpx.Client) -> None:
    changes = {"style": "noir", "image_count": 2, "webhook": "https://example.com/hook"}
    response = create(client, changes, **VERSION)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    client.post(f"/v1/tasks/{data['id']}/cancel")
    warnings = client.get(f"/v1/tasks/{data['id']}").json()["data"]["warnings"]
    for name in changes:
        assert any(f'"{name}"' in w for w in warnings), (name, warnings)
    assert data["warnings"] == warnings
    lone = create(client, {"generation_type": "frame"}).json()["data"][0]["task_id"]
    client.post(f"/v1/tasks/{lone}/cancel")
    assert any(
        "generation_type" in w for w in client.get(f"/v1/tasks/{lone}").json()["data"]["warnings"]
    )


def test_known_fields_make_no_warnings(client: httpx.Client) -> None:
    task_id = create(client, {"n": 1, "seed": 3, "callback_url": None}).json()["data"][0]["task_id"]
    client.post(f"/v1/tasks/{task_id}/cancel")
    assert "warnings" not in client.get(f"/v1/tasks/{task_id}").json()["data"]


# ------------------------------------------------------------------ images really used


def test_image_urls_of_two_is_interpolation(server: ServerProcess, client: httpx.Client) -> None:
    first, last = quadrants(400, 400), quadrants(640, 300).rotate(180)
    response = create(client, {"image_urls": [data_uri(first), data_uri(last, "JPEG")]})
    assert response.status_code == 200, response.text
    task = finished_task(client, response.json()["data"][0]["task_id"])
    assert task["status"] == "completed", task
    video = httpx.get(task["result"]["videos"][0]["url"][0]).content
    frame0, frame_last, count = first_and_last_frames(video)
    assert count == 96
    assert mean_abs_diff(frame0, fitted(first, (1280, 720), "pad")) < CLOSE
    assert mean_abs_diff(frame_last, fitted(last, (1280, 720), "pad")) < CLOSE


def test_image_with_roles_first_frame_is_used(client: httpx.Client) -> None:
    image = Image.new("RGB", (320, 180), (30, 200, 60))
    roles = [{"url": data_uri(image), "role": "first_frame"}]
    response = create(client, {"image_with_roles": roles, "size": "720x1280"})
    assert response.status_code == 200, response.text
    task = finished_task(client, response.json()["data"][0]["task_id"])
    assert task["status"] == "completed", task
    frame0, _, _ = first_and_last_frames(httpx.get(task["result"]["videos"][0]["url"][0]).content)
    assert frame0.shape[:2] == (1280, 720)
    assert mean_abs_diff(frame0, fitted(image, (720, 1280), "pad")) < CLOSE
