"""Looking at a long-running operation, cheaply: the one call the poller makes thousands of
times a minute, on a connection pool of its own.

A relay waits on thousands of operations at once and looks at each every 10-30 s. Through
the SDK one look cost about 1.0 ms of CPU (0.6 ms with the SDK on aiohttp); this reader
costs about 0.1 ms (docs/performance.md), which is what keeps waiting nearly free.
It asks exactly what the SDK's `operations.get` asks, of the endpoint and with the
credentials the SDK resolved (`sdk.py`), and a finished operation is still read by the
SDK's own types (`from_api_response`); only the transport differs.

    Gemini API   GET  {base}/{version}/{operation}              x-goog-api-key
    Vertex AI    POST {base}/{version}/{model}:fetchPredictOperation
                      {"operationName": operation}                Authorization: Bearer

Answers over `LARGE_ANSWER_BYTES` (Vertex puts finished videos inline) are read at most
`large_answers` at a time, so a wave of finished operations cannot fill the memory.

A proxy named by the environment (`HTTPS_PROXY`, `NO_PROXY`) is looked up once per session:
aiohttp's `trust_env` would read the environment and `~/.netrc` again on every request, which
cost more than the request itself under relay load.
"""

from __future__ import annotations

import asyncio
import json
import urllib.request
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

import aiohttp
from google.genai import errors as genai_errors

from veogate.errors import VeogateError

LARGE_ANSWER_BYTES = 1 << 20


class OperationHost(Protocol):
    """What the reader needs from a Veo host."""

    name: str

    def operation_request(self, operation: str) -> tuple[str, str, dict[str, Any] | None]:
        """(method, path under the versioned base URL, JSON body or None)."""

    async def auth_headers(self) -> dict[str, str]: ...

    def endpoint(self) -> tuple[str, str]:
        """(base URL ending in '/', API version)."""


class OperationReader:
    """Reads operations for one host over one aiohttp session (made in the running loop)."""

    def __init__(
        self,
        host: OperationHost,
        translate: Callable[[Exception, str], VeogateError | None],
        *,
        connections: int = 64,
        timeout_seconds: float = 60.0,
        large_answers: int = 2,
    ) -> None:
        self.host = host
        self._translate = translate
        self._connections = connections
        self._timeout = aiohttp.ClientTimeout(
            total=timeout_seconds, connect=min(10.0, timeout_seconds)
        )
        self._large_answers = large_answers
        self._session: aiohttp.ClientSession | None = None
        self._large: asyncio.Semaphore | None = None
        self._proxy: str | None = None

    def _session_here(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        if self._session is None or self._large is None:
            connector = aiohttp.TCPConnector(limit=self._connections, limit_per_host=0)
            self._session = aiohttp.ClientSession(connector=connector, timeout=self._timeout)
            self._large = asyncio.Semaphore(self._large_answers)
            self._proxy = proxy_for(self.host.endpoint()[0])
        return self._session, self._large

    async def read(self, operation: str) -> dict[str, Any]:
        """The operation's JSON; a translated `UpstreamError` on failure."""
        method, path, body = self.host.operation_request(operation)
        base, version = self.host.endpoint()
        url = f"{base}{version}/{path}" if version else f"{base}{path}"
        session, large = self._session_here()
        try:
            headers = await self.host.auth_headers()
            async with session.request(
                method, url, json=body, headers=headers, proxy=self._proxy
            ) as response:
                if (response.content_length or 0) > LARGE_ANSWER_BYTES:
                    async with large:
                        raw = await response.read()
                else:
                    raw = await response.read()
                if response.status >= 400:
                    details = _error_details(raw)
                    raise genai_errors.APIError(response.status, details, response)
            payload = json.loads(raw or b"{}")
            if not isinstance(payload, dict):
                raise json.JSONDecodeError("expected a JSON object", str(payload)[:100], 0)
        except Exception as exc:
            translated = self._translate(exc, f"{self.host.name} poll")
            if translated is None or translated is exc:
                raise
            raise translated from exc
        return payload

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url`, if any (standard library rules)."""
    parts = urlsplit(url)
    if not parts.hostname or urllib.request.proxy_bypass(parts.hostname):
        return None
    return urllib.request.getproxies().get(parts.scheme)


def _error_details(raw: bytes) -> Any:
    """Google's JSON error body, or the start of whatever a proxy answered instead."""
    try:
        return json.loads(raw)
    except ValueError:
        return {"error": {"message": raw[:300].decode("utf-8", "replace")}}
