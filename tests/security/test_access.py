"""Who may do what: keys are required and checked, and one key's jobs are invisible to
another (regressions kept from the existing refusals), on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest

from tests.security.conftest import APIMART, DIALECTS, KYY, Dialect, assert_refused
from tests.support.server import ServerProcess

by_name = pytest.mark.parametrize("dialect", DIALECTS, ids=[d.name for d in DIALECTS])
READ_PATHS = {"kyy": "/v1/result/{}", "apimart": "/v1/tasks/{}"}
CANCEL_PATHS = {"kyy": "/v1/veo/videos/{}/cancel", "apimart": "/v1/tasks/{}/cancel"}


def created_id(dialect: Dialect, response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    return str(body["id"] if dialect is KYY else body["data"][0]["task_id"])


@by_name
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer nope", "Bearer " + "k" * 5000, "Basic YWxhZGRpbjpvcGVuc2VzYW1l", "Bearer"],
    ids=["missing", "wrong", "huge", "basic", "empty bearer"],
)
def test_missing_or_wrong_key_is_401(
    api_server: ServerProcess, dialect: Dialect, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    create = httpx.post(api_server.url + dialect.create_path, json=dialect.base, headers=headers)
    refusal = assert_refused(create, dialect, 401, None)
    assert refusal.code == "unauthorized"
    read = httpx.get(api_server.url + READ_PATHS[dialect.name].format("x"), headers=headers)
    assert read.status_code == 401
    if dialect is APIMART:
        assert read.json()["error"]["type"] == "authentication_error"


@by_name
def test_another_keys_job_is_not_found(api_server: ServerProcess, dialect: Dialect) -> None:
    with api_server.client() as alice:
        job_id = created_id(dialect, alice.post(dialect.create_path, json=dialect.base))
        assert alice.get(READ_PATHS[dialect.name].format(job_id)).status_code == 200
    with api_server.client(api_server.create_key(f"mallory-{dialect.name}")) as mallory:
        for response in (
            mallory.get(READ_PATHS[dialect.name].format(job_id)),
            mallory.post(CANCEL_PATHS[dialect.name].format(job_id)),
        ):
            assert response.status_code == 404, response.text
            assert dialect.refusal(response).code == "not_found"


@by_name
@pytest.mark.parametrize(
    "job_id",
    ["task_%00", "vgen_%C2%B2", "%ED%A0%80", "x" * 3000, "..%2F..%2Fetc%2Fpasswd"],
    ids=["NUL", "superscript", "surrogate bytes", "long", "traversal"],
)
def test_odd_job_ids_are_not_found(
    api_server: ServerProcess, dialect: Dialect, job_id: str
) -> None:
    with api_server.client() as client:
        response = client.get(READ_PATHS[dialect.name].format(job_id))
    assert response.status_code == 404, response.text
