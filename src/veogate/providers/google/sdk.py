"""The few places veogate reaches inside google-genai, gathered so that an SDK change breaks
here, visibly, and in the loopback tests that drive every one of them.

    post_json      the SDK's own transport, for the Gemini API submit (3.x refuses
                   `generate_videos` in Gemini-API mode before sending; see client.py)
    endpoint       the base URL and API version the client resolved (environment,
                   regional and mTLS endpoints included), for the operation reader
    access_token   the client's OAuth token for Vertex AI (loaded, cached and refreshed by
                   the SDK), for the operation reader
"""

from __future__ import annotations

import json
from typing import Any

from google import genai


async def post_json(client: genai.Client, path: str, body: dict[str, Any]) -> Any:
    """POST `body` to `path` (relative to the versioned base URL) and parse the answer."""
    response = await client.aio._api_client.async_request("post", path, body)
    return json.loads(response.body or "{}")


def endpoint(client: genai.Client) -> tuple[str, str]:
    """(base URL ending in '/', API version) as the client will call them."""
    options = client._api_client._http_options
    base = options.base_url or ""
    return (base if base.endswith("/") else base + "/"), options.api_version or ""


async def access_token(client: genai.Client) -> tuple[str, str | None]:
    """(bearer token, quota project or None) of a Vertex AI client's credentials."""
    api = client._api_client
    token = await api._async_access_token()
    credentials = api._credentials
    quota_project = getattr(credentials, "quota_project_id", None) if credentials else None
    return str(token), quota_project
