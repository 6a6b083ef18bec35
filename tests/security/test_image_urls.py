"""Image URLs that would make veogate fetch from itself or its network (server-side
request forgery): refused at create when the scheme is wrong, and otherwise the job
fails naming the field, without a single request reaching the address."""

from __future__ import annotations

import pytest

from tests.security.conftest import APIMART, DIALECTS, Dialect, assert_refused
from tests.support.images import ImageServer
from tests.support.server import ServerProcess, finished_task

IMAGE_FIELD = {"kyy": "first_image", "apimart": "first_frame_image"}


@pytest.mark.parametrize("dialect", DIALECTS, ids=[d.name for d in DIALECTS])
@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "ftp://127.0.0.1/a.png",
        "gopher://127.0.0.1:6379/_INFO",
        "/etc/passwd",
        "data:text/html;base64,PGh0bWw+",
    ],
)
def test_other_schemes_are_refused_at_create(
    api_server: ServerProcess, dialect: Dialect, url: str
) -> None:
    field = IMAGE_FIELD[dialect.name]
    with api_server.client() as client:
        response = client.post(dialect.create_path, json={**dialect.base, field: url})
    assert_refused(response, dialect, 400, field)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:{port}/square.png", "loopback"),
        ("http://localhost:{port}/square.png", "loopback"),
        ("http://2130706433:{port}/square.png", "loopback"),  # 127.0.0.1 as one number
        ("http://[::ffff:127.0.0.1]:{port}/square.png", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "metadata"),
        ("http://10.0.0.1:{port}/square.png", "private"),
    ],
    ids=["loopback", "localhost", "decimal", "mapped v6", "metadata", "metadata v6", "private"],
)
def test_internal_addresses_fail_the_job_without_a_request(
    worker_server: ServerProcess, image_server: ImageServer, url: str, reason: str
) -> None:
    before = dict(image_server.hits)
    body = {**APIMART.base, "first_frame_image": url.format(port=image_server.port)}
    with worker_server.client() as client:
        task_id = client.post(APIMART.create_path, json=body).json()["data"][0]["task_id"]
        task = finished_task(client, task_id)
    assert task["status"] == "failed", task
    assert task["error"]["code"] == 400
    assert "first_frame_image" in task["error"]["message"]
    assert reason in task["error"]["message"]
    assert image_server.hits == before
