"""The outbound address policy: which URLs veogate may send a request to, and connecting
only to the addresses it vetted.

Image fetching (`fetch.py`) and webhooks (`delivery/webhooks.py`) both reach URLs that
strangers give us, so both go through an `AddressGate`:

1. only `http` / `https` URLs without credentials, on an allowed port;
2. the host is resolved once through a `Resolver`, and the whole host is refused if *any*
   address is loopback, private, link-local, metadata, ... (`address_refusal`), unless the
   operator allow-listed the address (`allow_cidrs`) or the name (`allow_hosts`);
3. the connection then goes to a vetted address (`PinnedBackend`): the name is *pinned*,
   so there is no second lookup an attacker could answer differently, while the Host
   header, TLS SNI and certificate verification still use the name from the URL.

`AddressGate.check_shape` is the part that needs no DNS (scheme, credentials, port, and
literal addresses such as `127.0.0.1` or `localhost`): what a request can be refused for
the moment it is accepted.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import httpcore
import httpx

from veogate.errors import InputError
from veogate.media.addresses import IPAddress, IPNetwork, Resolver, address_refusal

MiB = 1024 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_NAME = re.compile(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?")  # ASCII (IDNA), lower-cased
_LOCALHOST = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


@dataclass(frozen=True)
class FetchPolicy:
    """What an outbound request may do. The defaults are safe for a public deployment.

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
    """Addresses that may be reached even though they are not public (operator opt-in)."""
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    """Exact host names whose addresses are not checked at all (operator opt-in)."""


class UnresolvableHost(InputError):
    """The host name could not be looked up (or had no addresses): perhaps only for now."""


@dataclass(frozen=True)
class VettedTarget:
    """A URL whose host passed the policy, with the addresses it may be reached at."""

    url: httpx.URL
    host: str  # ASCII (IDNA) form, as httpcore will ask for it
    port: int
    addresses: tuple[IPAddress, ...]


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects each pinned host to its vetted addresses only, and nothing else anywhere.

    `pin` may be called again for a host (a later attempt vetted it anew): every address it
    ever held was vetted, so a connection opened with an earlier set is as safe.
    """

    def __init__(
        self,
        inner: httpcore.AsyncNetworkBackend,
        pins: Mapping[str, Sequence[IPAddress]] | None = None,
    ) -> None:
        self._inner = inner
        self._pins = {host: tuple(addresses) for host, addresses in (pins or {}).items()}

    def pin(self, target: VettedTarget) -> None:
        self._pins[target.host] = target.addresses

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        addresses = self._pins.get(host)
        if addresses is None:
            raise httpcore.ConnectError(f"refusing to connect to unvetted host {host!r}")
        failure: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for address in addresses:
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
        raise httpcore.ConnectError("unix sockets are never used for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class AddressGate:
    """Applies a `FetchPolicy`'s address rules to URLs. Every refusal is an `InputError`
    naming `field`, whose message starts with `{field}: `."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver) -> None:
        self.policy = policy
        self._resolver = resolver
        self._allow_hosts = frozenset(normalise_host(h) for h in policy.allow_hosts)

    def check_shape(self, url: str, *, field: str) -> httpx.URL:
        """Everything that can be checked without DNS: the scheme, credentials, the port,
        and a literal address (or `localhost`) the policy refuses."""
        parsed = parse_url(url, field)
        host, _port = self._host_and_port(parsed, field=field, where=f"host {parsed.host}")
        if normalise_host(host) in self._allow_hosts:
            return parsed
        literal = _literal_address(host)
        if literal is not None:
            self._check_address(literal, literal=True, field=field, where=f"host {host}")
        elif not _HOST_NAME.fullmatch(host):
            raise InputError(f"{field}: {host[:80]!r} is not a valid host name", param=field)
        elif host.rstrip(".") == "localhost" or host.rstrip(".").endswith(".localhost"):
            for address in _LOCALHOST:
                self._check_address(address, literal=True, field=field, where=f"host {host}")
        return parsed

    async def vet(self, url: httpx.URL, *, field: str, where: str) -> VettedTarget:
        """Check scheme, port and every address of the host; resolve the host once."""
        host, port = self._host_and_port(url, field=field, where=where)
        literal = _literal_address(host)
        if literal is not None:
            addresses: Sequence[IPAddress] = [literal]
        elif not _HOST_NAME.fullmatch(host):
            raise InputError(f"{field}: {host[:80]!r} is not a valid host name", param=field)
        else:
            try:
                addresses = await self._resolver.resolve(host, port)
            except OSError as exc:
                raise UnresolvableHost(
                    f"{field}: {where} could not be resolved ({exc})", param=field
                ) from None
            if not addresses:
                raise UnresolvableHost(f"{field}: {where} has no addresses", param=field)
        if normalise_host(host) not in self._allow_hosts:
            for address in addresses:
                self._check_address(address, literal=literal is not None, field=field, where=where)
        return VettedTarget(url=url, host=host, port=port, addresses=tuple(addresses))

    def _host_and_port(self, url: httpx.URL, *, field: str, where: str) -> tuple[str, int]:
        scheme = url.scheme
        if scheme not in DEFAULT_PORTS:
            raise InputError(
                f"{field}: URL scheme {scheme!r} is not allowed; use http or https", param=field
            )
        if url.userinfo:
            raise InputError(f"{field}: URLs with credentials are not allowed", param=field)
        host = url.raw_host.decode("ascii")
        if not host:
            raise InputError(f"{field}: the URL has no host", param=field)
        port = url.port or DEFAULT_PORTS[scheme]
        if port not in self.policy.allowed_ports:
            allowed = ", ".join(str(p) for p in sorted(self.policy.allowed_ports))
            raise InputError(
                f"{field}: {where}: port {port} is not allowed (allowed: {allowed})", param=field
            )
        return host, port

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


def _literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def parse_url(url: str, field: str) -> httpx.URL:
    try:
        return httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise InputError(f"{field}: not a valid URL ({exc})", param=field) from None


def normalise_host(host: str) -> str:
    """Lower-case ASCII (IDNA) form without a trailing dot, for allow-list comparison."""
    try:
        raw = httpx.URL(scheme="http", host=host.strip().rstrip(".")).raw_host
    except (httpx.InvalidURL, TypeError, ValueError):
        return host.strip().rstrip(".").lower()
    return raw.decode("ascii").lower()
