"""Fetching images from URLs strangers send us, without becoming their proxy.

Server-side request forgery is the main attack on a service like this one: a client
asks us to fetch `http://169.254.169.254/...` or a name that resolves to `10.0.0.5`
and reads our internal network through the error messages or the rendered video.
`ImageFetcher` therefore, on every hop (the first URL and each redirect):

1. accepts only `http` / `https` URLs without credentials, on an allowed port;
2. resolves the host once through a `Resolver` and refuses the whole host if *any*
   address is loopback, private, link-local, metadata, ... (see `address_refusal`),
   unless the operator allow-listed the address (`allow_cidrs`) or the name
   (`allow_hosts`);
3. connects to the vetted address itself (the name is *pinned*: no second lookup an
   attacker could answer differently), while the Host header, TLS SNI and certificate
   verification still use the name from the URL;
4. reads at most `max_bytes`, within a deadline, and follows at most `max_redirects`.

Every failure is an `InputError` naming the request field; nothing is retried.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from veogate.errors import InputError
from veogate.media.addresses import (
    IPAddress,
    IPNetwork,
    Resolver,
    StaticResolver,
    SystemResolver,
    address_refusal,
)

__all__ = [
    "FetchPolicy",
    "ImageFetcher",
    "Resolver",
    "StaticResolver",
    "SystemResolver",
    "address_refusal",
]

MiB = 1024 * 1024
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")  # ASCII (IDNA), lower-cased


@dataclass(frozen=True)
class FetchPolicy:
    """What the fetcher may do. The defaults are safe for a public deployment.

    Each hop (the URL, then each redirect) gets its own `connect_timeout` and
    `read_timeout`, so one fetch takes at most
    `(max_redirects + 1) * (connect_timeout + read_timeout)` seconds.
    """

    connect_timeout: float = 5.0
    """Resolving the name, connecting and the TLS handshake, in seconds."""
    read_timeout: float = 20.0
    """The whole response of one hop (status, headers and the entire body), in seconds."""
    max_bytes: int = 20 * MiB
    max_redirects: int = 3
    allowed_ports: frozenset[int] = frozenset({80, 443})
    allow_cidrs: tuple[IPNetwork, ...] = ()
    """Addresses that may be fetched even though they are not public (operator opt-in)."""
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    """Exact host names whose addresses are not checked at all (operator opt-in)."""


# --------------------------------------------------------------------------- connecting


class _PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects `host` to its vetted addresses only, and nothing else anywhere."""

    def __init__(
        self, inner: httpcore.AsyncNetworkBackend, host: str, addresses: Sequence[IPAddress]
    ) -> None:
        self._inner = inner
        self._host = host
        self._addresses = tuple(addresses)

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if host != self._host:
            raise httpcore.ConnectError(f"refusing to connect to unvetted host {host!r}")
        failure: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for address in self._addresses:
            try:
                return await self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("unix sockets are never used for fetching")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


_TraceCallback = Callable[[str, dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class _Target:
    url: httpx.URL
    host: str  # ASCII (IDNA) form, as httpcore will ask for it
    port: int
    addresses: tuple[IPAddress, ...]


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
        self._resolver: Resolver = resolver or SystemResolver()
        self._ssl_context = ssl_context or httpx.create_ssl_context()
        self._backend = network_backend or httpcore.AnyIOBackend()
        self._allow_hosts = frozenset(_normalise_host(h) for h in self.policy.allow_hosts)

    async def fetch(self, url: str, *, field: str, max_bytes: int | None = None) -> bytes:
        """The body of `url` after at most `max_redirects` vetted redirects.

        `max_bytes` may only lower the policy's cap.
        """
        cap = self.policy.max_bytes if max_bytes is None else min(max_bytes, self.policy.max_bytes)
        current = _parse_url(url, field)
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
                target = await self._vet(url, field=field, where=where)

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

    async def _vet(self, url: httpx.URL, *, field: str, where: str) -> _Target:
        """Check scheme, port and every address of the host; resolve the host once."""
        scheme = url.scheme
        if scheme not in _DEFAULT_PORTS:
            raise InputError(
                f"{field}: URL scheme {scheme!r} is not allowed; use http or https", param=field
            )
        if url.userinfo:
            raise InputError(f"{field}: URLs with credentials are not allowed", param=field)
        host = url.raw_host.decode("ascii")
        if not host:
            raise InputError(f"{field}: the URL has no host", param=field)
        port = url.port or _DEFAULT_PORTS[scheme]
        if port not in self.policy.allowed_ports:
            allowed = ", ".join(str(p) for p in sorted(self.policy.allowed_ports))
            raise InputError(
                f"{field}: {where}: port {port} is not allowed (allowed: {allowed})", param=field
            )
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses: Sequence[IPAddress] = [literal]
        elif not _HOST_NAME.fullmatch(host):
            raise InputError(f"{field}: {host[:80]!r} is not a valid host name", param=field)
        else:
            try:
                addresses = await self._resolver.resolve(host, port)
            except OSError as exc:
                raise InputError(
                    f"{field}: {where} could not be resolved ({exc})", param=field
                ) from None
            if not addresses:
                raise InputError(f"{field}: {where} has no addresses", param=field)
        if _normalise_host(host) not in self._allow_hosts:
            for address in addresses:
                self._check_address(address, literal=literal is not None, field=field, where=where)
        return _Target(url=url, host=host, port=port, addresses=tuple(addresses))

    def _check_address(self, address: IPAddress, *, literal: bool, field: str, where: str) -> None:
        candidates = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        if any(c in net for c in candidates for net in self.policy.allow_cidrs):
            return
        reason = address_refusal(address)
        if reason is None:
            return
        what = f"{where} is {reason}" if literal else f"{where} resolves to {address}, {reason}"
        raise InputError(f"{field}: {what}, which is not allowed", param=field)

    async def _request(
        self, target: _Target, *, field: str, where: str, cap: int, trace: _TraceCallback
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
        backend = _PinnedBackend(self._backend, target.host, target.addresses)
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


def _parse_url(url: str, field: str) -> httpx.URL:
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise InputError(f"{field}: not a valid URL ({exc})", param=field) from None


def _normalise_host(host: str) -> str:
    """Lower-case ASCII (IDNA) form without a trailing dot, for allow-list comparison."""
    try:
        raw = httpx.URL(scheme="http", host=host.strip().rstrip(".")).raw_host
    except (httpx.InvalidURL, TypeError, ValueError):
        return host.strip().rstrip(".").lower()
    return raw.decode("ascii").lower()
