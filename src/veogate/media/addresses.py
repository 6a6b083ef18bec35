"""Which addresses a fetch may reach, and how host names become addresses.

`address_refusal` is the rule (loopback, private, link-local, metadata, ... are refused,
including IPv6 forms that embed such an IPv4 address); `Resolver` is the seam through
which names are looked up, so tests and operators can pin names to addresses.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


# --------------------------------------------------------------------------- addresses

_METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "192.0.0.192",  # Oracle Cloud
    )
)
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL_USE = ipaddress.IPv6Network("64:ff9b:1::/48")
_UNIQUE_LOCAL = ipaddress.IPv6Network("fc00::/7")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, NAT64, Teredo), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped, "IPv4-mapped"
    if address.sixtofour is not None:
        return address.sixtofour, "6to4"
    if address in _NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF), "NAT64"
    if address.teredo is not None:
        return address.teredo[1], "Teredo"
    return None


def address_refusal(address: IPAddress) -> str | None:
    """Why `address` must not be fetched from (e.g. "a private address"), or None."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id is not None:
            address = ipaddress.IPv6Address(address.compressed.split("%")[0])
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            inner, form = embedded
            reason = address_refusal(inner)
            if reason is not None:
                return f"{reason} ({inner}) in {form} IPv6 form"
            if form in ("IPv4-mapped", "NAT64"):
                return None  # the packets really go to `inner`, which is public
        if address in _NAT64_LOCAL_USE:
            return "a local-use NAT64 address"
    if address in _METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address in _CGNAT:
        return "a shared (CGNAT) address"
    if isinstance(address, ipaddress.IPv6Address) and address in _UNIQUE_LOCAL:
        return "a unique-local address"
    if address.is_reserved:
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if not address.is_global:
        return "a non-public address"
    return None


# --------------------------------------------------------------------------- resolving


class Resolver(Protocol):
    """Turns a host name into the addresses to connect to. Raises `OSError` on failure."""

    async def resolve(self, host: str, port: int) -> Sequence[IPAddress]: ...


class SystemResolver:
    """The operating system's resolver (`getaddrinfo`), run off the event loop."""

    async def resolve(self, host: str, port: int) -> Sequence[IPAddress]:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
        )
        addresses: list[IPAddress] = []
        for _family, _type, _proto, _canon, sockaddr in infos:
            address = ipaddress.ip_address(sockaddr[0])
            if address not in addresses:
                addresses.append(address)
        return addresses


class StaticResolver:
    """A fixed name → addresses table (tests, or hosts an operator pins by hand).

    `calls` records every name asked for, in order.
    """

    def __init__(self, table: Mapping[str, Iterable[str]]) -> None:
        self._table = {
            name.lower(): [ipaddress.ip_address(a) for a in addrs] for name, addrs in table.items()
        }
        self.calls: list[str] = []

    async def resolve(self, host: str, port: int) -> Sequence[IPAddress]:
        self.calls.append(host)
        try:
            return list(self._table[host.lower()])
        except KeyError:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} is not in the table") from None
