"""Fetching images from URLs strangers send us, without becoming their proxy.

Server-side request forgery is the main attack on a service like this one: a client
asks us to fetch `http://169.254.169.254/...` or a name that resolves to `10.0.0.5`
and reads our internal network through the error messages or the rendered video.
`ImageFetcher` therefore, on every hop (the first URL and each redirect):

1-3. applies the outbound address policy (`outbound.AddressGate`: http(s) only, no
   credentials, allowed ports, every address of the host vetted, the connection pinned
   to the vetted addresses);
4. reads at most `max_bytes`, within a deadline, and follows at most `max_redirects`.

Every failure is an `InputError` naming the request field; nothing is retried.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import httpcore
import httpx

from veogate.errors import InputError
from veogate.media.addresses import Resolver, StaticResolver, SystemResolver, address_refusal
from veogate.media.outbound import (
    AddressGate,
    FetchPolicy,
    PinnedBackend,
    VettedTarget,
    parse_url,
)

__all__ = [
    "FetchPolicy",
    "ImageFetcher",
    "Resolver",
    "StaticResolver",
    "SystemResolver",
    "address_refusal",
]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_TraceCallback = Callable[[str, dict[str, Any]], Awaitable[None]]


# --------------------------------------------------------------------------- fetching


class ImageFetcher:
    """Fetches image bytes from http(s) URLs under a `FetchPolicy`.

    `resolver` defaults to the system resolver; `network_backend` (the real connector
    under the pinning layer) and `ssl_context` are seams for tests and custom CAs.
    """

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.gate = AddressGate(self.policy, resolver or SystemResolver())
        self._ssl_context = ssl_context or httpx.create_ssl_context()
        self._backend = network_backend or httpcore.AnyIOBackend()

    async def fetch(self, url: str, *, field: str, max_bytes: int | None = None) -> bytes:
        """The body of `url` after at most `max_redirects` vetted redirects.

        `max_bytes` may only lower the policy's cap.
        """
        cap = self.policy.max_bytes if max_bytes is None else min(max_bytes, self.policy.max_bytes)
        current = parse_url(url, field)
        for hop in range(self.policy.max_redirects + 1):
            where = f"host {current.host}" if hop == 0 else f"redirect to host {current.host}"
            result = await self._hop(current, field=field, where=where, cap=cap)
            if isinstance(result, bytes):
                return result
            current = result
        raise InputError(
            f"{field}: too many redirects (more than {self.policy.max_redirects})", param=field
        )

    async def _hop(self, url: httpx.URL, *, field: str, where: str, cap: int) -> bytes | httpx.URL:
        """One request: vet, connect, read. Returns the body, or the next URL to follow."""
        policy = self.policy
        loop = asyncio.get_running_loop()
        phase = "connecting"
        try:
            async with asyncio.timeout(policy.connect_timeout) as deadline:
                target = await self.gate.vet(url, field=field, where=where)

                async def trace(event: str, info: dict[str, Any]) -> None:
                    nonlocal phase
                    if event.endswith("send_request_headers.started"):
                        phase = "reading the response"
                        deadline.reschedule(loop.time() + policy.read_timeout)

                return await self._request(target, field=field, where=where, cap=cap, trace=trace)
        except TimeoutError:
            limit = policy.connect_timeout if phase == "connecting" else policy.read_timeout
            raise InputError(
                f"{field}: {where} timed out {phase} (limit {limit:g}s)", param=field
            ) from None

    async def _request(
        self, target: VettedTarget, *, field: str, where: str, cap: int, trace: _TraceCallback
    ) -> bytes | httpx.URL:
        policy = self.policy
        url = target.url
        request_url = httpcore.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=target.port, target=url.raw_path
        )
        headers = [
            (b"Host", url.netloc),
            (b"Accept", b"image/png, image/jpeg, image/webp"),
            (b"Accept-Encoding", b"identity"),
            (b"User-Agent", b"veogate-image-fetcher"),
        ]
        timeouts = {
            "connect": policy.connect_timeout,
            "read": policy.read_timeout,
            "write": policy.read_timeout,
            "pool": policy.connect_timeout,
        }
        backend = PinnedBackend(self._backend, {target.host: target.addresses})
        try:
            async with (
                httpcore.AsyncConnectionPool(
                    ssl_context=self._ssl_context,
                    max_connections=1,
                    http1=True,
                    http2=False,
                    retries=0,
                    network_backend=backend,
                ) as pool,
                pool.stream(
                    "GET",
                    request_url,
                    headers=headers,
                    extensions={"timeout": timeouts, "trace": trace},
                ) as response,
            ):
                return await _read_response(response, url, field=field, where=where, cap=cap)
        except httpcore.TimeoutException:
            raise TimeoutError from None  # reported by `_hop` with the phase it happened in
        except httpcore.ConnectError as exc:
            message = f"{field}: could not connect to {where} ({exc})"
            raise InputError(message, param=field) from None
        except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
            message = f"{field}: fetching from {where} failed ({exc})"
            raise InputError(message, param=field) from None


async def _read_response(
    response: httpcore.Response, url: httpx.URL, *, field: str, where: str, cap: int
) -> bytes | httpx.URL:
    headers = httpx.Headers(response.headers)
    status = response.status
    if status in _REDIRECT_STATUSES:
        location = headers.get("location")
        if not location:
            raise InputError(
                f"{field}: {where} answered HTTP {status} without a Location", param=field
            )
        try:
            return url.join(location)
        except httpx.InvalidURL as exc:
            raise InputError(
                f"{field}: {where} redirected to an invalid URL ({exc})", param=field
            ) from None
    if not 200 <= status < 300:
        raise InputError(f"{field}: {where} answered HTTP {status}", param=field)
    encoding = headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise InputError(
            f"{field}: {where} sent a {encoding}-encoded body, which is not accepted", param=field
        )
    declared = headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > cap:
        raise _too_large(field, where, cap)
    chunks: list[bytes] = []
    total = 0
    async for chunk in response.aiter_stream():
        total += len(chunk)
        if total > cap:
            raise _too_large(field, where, cap)
        chunks.append(chunk)
    if total == 0:
        raise InputError(f"{field}: {where} sent an empty body", param=field)
    return b"".join(chunks)


def _too_large(field: str, where: str, cap: int) -> InputError:
    return InputError(f"{field}: the image from {where} is larger than {cap} bytes", param=field)
