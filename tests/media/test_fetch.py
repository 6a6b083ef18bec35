"""`ImageFetcher`: no requests to places a stranger should not reach through us.

Everything runs against a real HTTP server on 127.0.0.1. Refusals must happen before
any connection: the recording backend (`backend`) sees every connection attempt and
would refuse anything but loopback anyway.
"""

from __future__ import annotations

import asyncio
import ipaddress
import time

import pytest

from veogate.errors import InputError
from veogate.jobs.model import ImageInput
from veogate.media.fetch import (
    FetchPolicy,
    ImageFetcher,
    StaticResolver,
    SystemResolver,
    address_refusal,
)
from veogate.media.resolve import load_image_bytes

FIELD = "input_reference[1]"
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


async def refused(fetcher: ImageFetcher, url: str, **kwargs) -> InputError:
    with pytest.raises(InputError) as caught:
        await fetcher.fetch(url, field=FIELD, **kwargs)
    error = caught.value
    assert error.param == FIELD
    assert error.message.startswith(f"{FIELD}: ")
    return error


# --------------------------------------------------------------------------- loopback


async def test_loopback_is_fetched_when_allow_listed(http_server, make_fetcher, backend, samples):
    png = samples.png()
    http_server.serve("/x.png", png, headers={"Content-Type": "image/png"})
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port})

    assert await fetcher.fetch(http_server.url("/x.png"), field=FIELD) == png
    assert backend.connects == [("127.0.0.1", http_server.port)]
    (request,) = http_server.requests
    assert request.method == "GET"
    assert request.headers["host"] == f"127.0.0.1:{http_server.port}"
    assert request.headers["accept-encoding"] == "identity"


async def test_loopback_is_refused_without_the_allow_list(
    http_server, make_fetcher, backend, samples
):
    http_server.serve("/x.png", samples.png())
    fetcher = make_fetcher(allowed_ports={http_server.port})

    error = await refused(fetcher, http_server.url("/x.png"))
    assert "host 127.0.0.1 is a loopback address, which is not allowed" in error.message
    assert http_server.connections == 0
    assert backend.connects == []


async def test_port_outside_allowed_ports_is_refused(http_server, make_fetcher, backend, samples):
    http_server.serve("/x.png", samples.png())
    fetcher = make_fetcher(allow_cidrs=LOOPBACK)  # ports: default 80, 443

    error = await refused(fetcher, http_server.url("/x.png"))
    assert f"port {http_server.port} is not allowed (allowed: 80, 443)" in error.message
    assert http_server.connections == 0
    assert backend.connects == []


# --------------------------------------------------------------------------- refused addresses


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/x.png", "a loopback address"),
        ("http://[::1]/x.png", "a loopback address"),
        ("http://10.1.2.3/x.png", "a private address"),
        ("http://172.16.0.1/x.png", "a private address"),
        ("http://192.168.1.1/x.png", "a private address"),
        ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "a cloud metadata address"),
        ("http://169.254.1.1/", "a link-local address"),
        ("http://[fe80::1]/", "a link-local address"),
        ("http://[fe80::1%25eth0]/", "a link-local address"),
        ("http://[fc00::1]/", "a unique-local address"),
        ("http://100.64.0.1/", "a shared (CGNAT) address"),
        ("http://0.0.0.0/", "an unspecified address"),
        ("http://[::]/", "an unspecified address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("http://[ff02::1]/", "a multicast address"),
        ("http://240.0.0.1/", "a reserved address"),
        ("http://255.255.255.255/", "a reserved address"),
        ("http://[::ffff:127.0.0.1]/", "a loopback address (127.0.0.1) in IPv4-mapped IPv6 form"),
        ("http://[::ffff:a00:5]/", "a private address (10.0.0.5) in IPv4-mapped IPv6 form"),
        ("http://[2002:a00:1::1]/", "a private address (10.0.0.1) in 6to4 IPv6 form"),
        ("http://[64:ff9b::a9fe:a9fe]/", "(169.254.169.254) in NAT64 IPv6 form"),
        ("https://10.0.0.5/x.png", "a private address"),
    ],
)
async def test_non_public_addresses_are_refused_without_connecting(
    make_fetcher, backend, url, reason
):
    error = await refused(make_fetcher(), url)
    assert reason in error.message
    assert error.message.endswith("which is not allowed")
    assert backend.connects == []


async def test_a_name_resolving_to_a_private_address_is_refused(make_fetcher, backend):
    resolver = StaticResolver({"evil.test": ["10.0.0.1"]})
    error = await refused(make_fetcher(resolver=resolver), "http://evil.test/x.png")
    assert error.message == (
        f"{FIELD}: host evil.test resolves to 10.0.0.1, a private address, which is not allowed"
    )
    assert resolver.calls == ["evil.test"]
    assert backend.connects == []


async def test_every_resolved_address_is_checked(http_server, make_fetcher, backend):
    resolver = StaticResolver({"mixed.test": ["127.0.0.1", "192.168.0.7"]})
    fetcher = make_fetcher(
        resolver=resolver, allow_cidrs=LOOPBACK, allowed_ports={http_server.port}
    )
    error = await refused(fetcher, http_server.url("/x.png", host="mixed.test"))
    assert "resolves to 192.168.0.7, a private address" in error.message
    assert backend.connects == []


async def test_names_spelling_loopback_as_numbers_are_refused(make_fetcher, backend):
    # The system resolver parses these numerically (inet_aton): no DNS query is sent.
    fetcher = make_fetcher(resolver=SystemResolver())
    for url in ("http://2130706433/", "http://127.1/", "http://0x7f.0.0.1/"):
        error = await refused(fetcher, url)
        assert "resolves to 127.0.0.1, a loopback address" in error.message
    assert backend.connects == []


async def test_unresolvable_name_is_an_input_error(make_fetcher, backend):
    resolver = StaticResolver({})
    error = await refused(make_fetcher(resolver=resolver), "https://nowhere.test/x.png")
    assert "host nowhere.test could not be resolved" in error.message
    assert backend.connects == []


def test_public_addresses_pass_the_address_check():
    for text in (
        "8.8.8.8",
        "93.184.216.34",
        "2606:4700::1111",
        "::ffff:8.8.8.8",
        "64:ff9b::808:808",
    ):
        assert address_refusal(ipaddress.ip_address(text)) is None


# --------------------------------------------------------------------------- URLs


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/x.png", "URL scheme 'ftp' is not allowed"),
        ("file:///etc/passwd", "URL scheme 'file' is not allowed"),
        ("gopher://example.com/", "URL scheme 'gopher' is not allowed"),
        ("data:image/png;base64,AAAA", "URL scheme 'data' is not allowed"),
        ("http://user:secret@example.com/x.png", "URLs with credentials are not allowed"),
        ("http:///x.png", "has no host"),
        ("x.png", "URL scheme '' is not allowed"),
        ("http://exa mple.com/", "'exa%20mple.com' is not a valid host name"),
        ("http://[::1/", "not a valid URL"),
        ("http://ex\tample.com/", "not a valid URL"),
    ],
)
async def test_unusable_urls_are_refused(make_fetcher, backend, url, reason):
    resolver = StaticResolver({})
    error = await refused(make_fetcher(resolver=resolver), url)
    assert reason in error.message
    assert resolver.calls == []
    assert backend.connects == []


# --------------------------------------------------------------------------- pinning


async def test_the_connection_goes_to_the_vetted_address(
    http_server, make_fetcher, backend, samples
):
    png = samples.png()
    http_server.serve("/x.png", png)
    resolver = StaticResolver({"images.test": ["127.0.0.1"]})
    fetcher = make_fetcher(
        resolver=resolver, allow_cidrs=LOOPBACK, allowed_ports={http_server.port}
    )

    assert await fetcher.fetch(http_server.url("/x.png", host="images.test"), field=FIELD) == png
    assert resolver.calls == ["images.test"]
    assert backend.connects == [("127.0.0.1", http_server.port)]
    assert http_server.requests[0].headers["host"] == f"images.test:{http_server.port}"


async def test_a_second_answer_from_the_resolver_is_never_used(http_server, make_fetcher, samples):
    # DNS rebinding: the first answer passes the check, a later one would not.
    class FlippingResolver(StaticResolver):
        async def resolve(self, host, port):
            answer = await super().resolve(host, port)
            self._table[host] = [ipaddress.ip_address("10.0.0.1")]
            return answer

    http_server.serve("/x.png", samples.png())
    resolver = FlippingResolver({"images.test": ["127.0.0.1"]})
    fetcher = make_fetcher(
        resolver=resolver, allow_cidrs=LOOPBACK, allowed_ports={http_server.port}
    )
    assert await fetcher.fetch(http_server.url("/x.png", host="images.test"), field=FIELD)
    assert resolver.calls == ["images.test"]


async def test_each_redirect_hop_is_resolved_once(http_server, make_fetcher, backend, samples):
    png = samples.png()
    http_server.redirect("/start", http_server.url("/x.png", host="cdn.test"))
    http_server.serve("/x.png", png)
    resolver = StaticResolver({"images.test": ["127.0.0.1"], "cdn.test": ["127.0.0.1"]})
    fetcher = make_fetcher(
        resolver=resolver, allow_cidrs=LOOPBACK, allowed_ports={http_server.port}
    )

    assert await fetcher.fetch(http_server.url("/start", host="images.test"), field=FIELD) == png
    assert resolver.calls == ["images.test", "cdn.test"]
    assert [r.headers["host"] for r in http_server.requests] == [
        f"images.test:{http_server.port}",
        f"cdn.test:{http_server.port}",
    ]
    assert backend.connects == [("127.0.0.1", http_server.port)] * 2


async def test_allow_hosts_skips_the_address_check_but_still_pins(
    http_server, make_fetcher, backend, samples
):
    http_server.serve("/x.png", samples.png())
    resolver = StaticResolver({"images.test": ["127.0.0.1"]})
    fetcher = make_fetcher(
        resolver=resolver, allow_hosts=frozenset({"Images.Test."}), allowed_ports={http_server.port}
    )
    assert await fetcher.fetch(http_server.url("/x.png", host="images.test"), field=FIELD)
    assert resolver.calls == ["images.test"]
    assert backend.connects == [("127.0.0.1", http_server.port)]
    # Another name for the same address is still refused.
    other = make_fetcher(
        resolver=StaticResolver({"other.test": ["127.0.0.1"]}),
        allow_hosts=frozenset({"images.test"}),
        allowed_ports={http_server.port},
    )
    await refused(other, http_server.url("/x.png", host="other.test"))
    assert http_server.connections == 1


# --------------------------------------------------------------------------- redirects


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata"),
        ("http://10.0.0.1/", "host 10.0.0.1 is a private address"),
        ("http://[::1]/", "host ::1 is a loopback address"),
        ("http://evil.test/", "evil.test resolves to 10.0.0.1, a private address"),
        ("ftp://127.0.0.1/x.png", "URL scheme 'ftp' is not allowed"),
        ("file:///etc/passwd", "URL scheme 'file' is not allowed"),
        ("http://127.0.0.1:1/x.png", "port 1 is not allowed"),
    ],
)
async def test_redirects_are_checked_like_the_first_url(
    http_server, make_fetcher, backend, location, reason
):
    http_server.redirect("/go", location)
    resolver = StaticResolver({"evil.test": ["10.0.0.1"]})
    fetcher = make_fetcher(
        resolver=resolver,
        allow_cidrs=(ipaddress.ip_network("127.0.0.0/8"),),  # IPv4 loopback only
        allowed_ports={http_server.port, 80},
    )
    error = await refused(fetcher, http_server.url("/go"))
    assert "redirect to host" in error.message or "scheme" in error.message
    assert reason in error.message
    assert len(http_server.requests) == 1
    assert backend.connects == [("127.0.0.1", http_server.port)]


async def test_relative_redirects_are_followed(http_server, make_fetcher, samples):
    png = samples.png()
    http_server.redirect("/old", "/new.png", status=301)
    http_server.serve("/new.png", png)
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port})
    assert await fetcher.fetch(http_server.url("/old"), field=FIELD) == png


async def test_redirects_are_limited(http_server, make_fetcher, samples):
    for n in range(5):
        http_server.redirect(f"/hop{n}", f"/hop{n + 1}")
    http_server.serve("/hop5", samples.png())
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port}, max_redirects=3)

    error = await refused(fetcher, http_server.url("/hop0"))
    assert "too many redirects (more than 3)" in error.message
    assert [r.path for r in http_server.requests] == ["/hop0", "/hop1", "/hop2", "/hop3"]

    # Exactly max_redirects redirects is fine.
    assert await fetcher.fetch(http_server.url("/hop2"), field=FIELD) == samples.png()


async def test_redirect_without_location_is_an_error(http_server, make_fetcher):
    http_server.serve("/r", b"", status=302)
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port})
    assert "HTTP 302 without a Location" in (await refused(fetcher, http_server.url("/r"))).message


# --------------------------------------------------------------------------- responses


@pytest.mark.parametrize("status", [404, 403, 500, 204])
async def test_unsuccessful_status_is_an_input_error(http_server, make_fetcher, status):
    http_server.serve("/x.png", b"nope" if status != 204 else b"", status=status)
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port})
    error = await refused(fetcher, http_server.url("/x.png"))
    if status == 204:
        assert "empty body" in error.message
    else:
        assert f"host 127.0.0.1 answered HTTP {status}" in error.message


async def test_compressed_bodies_are_refused(http_server, make_fetcher):
    http_server.serve("/x.png", b"\x1f\x8b...", headers={"Content-Encoding": "gzip"})
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port})
    assert "gzip-encoded body" in (await refused(fetcher, http_server.url("/x.png"))).message


async def test_nothing_listening_is_an_input_error(make_fetcher, backend):
    probe = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={port})
    error = await refused(fetcher, f"http://127.0.0.1:{port}/x.png")
    assert "could not connect to host 127.0.0.1" in error.message


# --------------------------------------------------------------------------- size and time


async def test_oversize_content_length_is_refused_before_reading(
    http_server, make_fetcher, backend
):
    @http_server.on("/big.png")
    async def big(request, writer):
        writer.write(http_server.head(200, {"Content-Length": str(50 * 1024 * 1024)}))
        await writer.drain()
        await asyncio.sleep(10)  # never sends the body

    fetcher = make_fetcher(
        allow_cidrs=LOOPBACK, allowed_ports={http_server.port}, max_bytes=1000, read_timeout=5
    )
    started = time.monotonic()
    error = await refused(fetcher, http_server.url("/big.png"))
    assert "larger than 1000 bytes" in error.message
    assert time.monotonic() - started < 1


async def endless(http_server, writer, *, chunked: bool) -> None:
    """Send 256 KiB pieces until the client hangs up (or 64 MiB, a test failure)."""
    writer.write(http_server.head(200, {"Transfer-Encoding": "chunked"} if chunked else {}))
    piece = b"\x89PNG" + b"\0" * (256 * 1024 - 4)
    for _ in range(256):
        writer.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        await writer.drain()
        http_server.bytes_sent += len(piece)


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "until-close"])
async def test_oversize_body_without_content_length_stops_at_the_cap(
    http_server, make_fetcher, backend, chunked
):
    @http_server.on("/stream.png")
    async def stream(request, writer):
        await endless(http_server, writer, chunked=chunked)

    cap = 100_000
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port}, max_bytes=cap)
    error = await refused(fetcher, http_server.url("/stream.png"))
    assert f"larger than {cap} bytes" in error.message
    # The fetcher read at most one network read (64 KiB) past the cap.
    assert backend.bytes_read <= cap + 64 * 1024 + 1024
    await asyncio.sleep(0.05)
    assert http_server.bytes_sent < 64 * 1024 * 1024


async def test_max_bytes_argument_only_lowers_the_cap(http_server, make_fetcher):
    http_server.serve("/x.png", b"\x89PNG" + b"\0" * 996)
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port}, max_bytes=1000)
    assert len(await fetcher.fetch(http_server.url("/x.png"), field=FIELD, max_bytes=10**9)) == 1000
    assert (
        "larger than 999 bytes"
        in (await refused(fetcher, http_server.url("/x.png"), max_bytes=999)).message
    )


async def test_slow_drip_body_hits_the_deadline(http_server, make_fetcher):
    @http_server.on("/slow.png")
    async def slow(request, writer):
        writer.write(http_server.head(200, {"Content-Length": "1000"}))
        for _ in range(1000):
            writer.write(b"\0")  # each byte well within the per-read timeout...
            await writer.drain()
            await asyncio.sleep(0.05)  # ...but the whole body takes 50 s

    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port}, read_timeout=0.5)
    started = time.monotonic()
    error = await refused(fetcher, http_server.url("/slow.png"))
    assert "timed out reading the response (limit 0.5s)" in error.message
    assert 0.4 < time.monotonic() - started < 2


async def test_silent_server_hits_the_deadline(http_server, make_fetcher):
    @http_server.on("/silent.png")
    async def silent(request, writer):
        await asyncio.sleep(10)

    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port}, read_timeout=0.3)
    error = await refused(fetcher, http_server.url("/silent.png"))
    assert "timed out reading the response" in error.message


async def test_slow_resolver_hits_the_connect_deadline(make_fetcher, backend):
    class SlowResolver(StaticResolver):
        async def resolve(self, host, port):
            await asyncio.sleep(5)
            return await super().resolve(host, port)

    fetcher = make_fetcher(resolver=SlowResolver({}), connect_timeout=0.2)
    error = await refused(fetcher, "https://slow.test/x.png")
    assert "host slow.test timed out connecting (limit 0.2s)" in error.message
    assert backend.connects == []


# --------------------------------------------------------------------------- TLS


async def test_tls_verifies_the_name_while_connecting_to_the_pinned_address(
    tls_server, make_fetcher, backend, client_ssl_context, samples
):
    png = samples.png()
    tls_server.serve("/x.png", png)
    resolver = StaticResolver({"images.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
    fetcher = make_fetcher(
        resolver=resolver,
        ssl_context=client_ssl_context,
        allow_cidrs=LOOPBACK,
        allowed_ports={tls_server.port},
    )

    url = tls_server.url("/x.png", host="images.test", scheme="https")
    assert await fetcher.fetch(url, field=FIELD) == png
    assert backend.connects == [("127.0.0.1", tls_server.port)]
    assert backend.tls_server_names == ["images.test"]
    assert tls_server.sni_names == ["images.test"]
    assert tls_server.requests[0].headers["host"] == f"images.test:{tls_server.port}"

    # Same address, but the certificate is not for this name: refused.
    wrong = tls_server.url("/x.png", host="other.test", scheme="https")
    error = await refused(fetcher, wrong)
    assert "could not connect to host other.test" in error.message
    assert "CERTIFICATE_VERIFY_FAILED" in error.message
    assert len(tls_server.requests) == 1


# --------------------------------------------------------------------------- resolve


async def test_load_image_bytes_fetches_http_urls(http_server, make_fetcher, samples):
    png = samples.png()
    http_server.serve("/x.png", png)
    fetcher = make_fetcher(allow_cidrs=LOOPBACK, allowed_ports={http_server.port})
    image = ImageInput(source=http_server.url("/x.png"), field="first_frame")
    assert await load_image_bytes(image, fetcher, max_bytes=10_000) == png

    with pytest.raises(InputError) as caught:
        await load_image_bytes(image, fetcher, max_bytes=10)
    assert caught.value.param == "first_frame"
    assert "larger than 10 bytes" in caught.value.message


def test_default_policy_is_safe():
    policy = FetchPolicy()
    assert policy.max_bytes == 20 * 1024 * 1024
    assert policy.max_redirects == 3
    assert policy.allowed_ports == {80, 443}
    assert policy.allow_cidrs == ()
    assert policy.allow_hosts == frozenset()
