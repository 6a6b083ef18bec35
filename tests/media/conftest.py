"""Fixtures for media tests: image samples, a scriptable HTTP server on 127.0.0.1, and a
network backend that records every connection and refuses anything but loopback.

The recording backend is the safety net of these tests: even if the fetcher were wrong,
no packet could leave this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import ssl
import struct
import subprocess
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpcore
import numpy as np
import pytest
from PIL import Image

from veogate.media.fetch import FetchPolicy, ImageFetcher, Resolver

# --------------------------------------------------------------------------- samples


class Samples:
    """Small images built in memory."""

    @staticmethod
    def encode(image: Image.Image, fmt: str, **params: Any) -> bytes:
        buffer = io.BytesIO()
        image.save(buffer, fmt, **params)
        return buffer.getvalue()

    def png(self, size: tuple[int, int] = (8, 6), color: Any = (200, 30, 40)) -> bytes:
        return self.encode(Image.new("RGB", size, color), "PNG")

    def jpeg(self, size: tuple[int, int] = (16, 8), color: Any = (20, 120, 220)) -> bytes:
        return self.encode(Image.new("RGB", size, color), "JPEG", quality=95)

    def webp(self, size: tuple[int, int] = (10, 4), color: Any = (10, 200, 90)) -> bytes:
        return self.encode(Image.new("RGB", size, color), "WEBP", lossless=True)

    def noisy_png(self, size: tuple[int, int] = (64, 64)) -> bytes:
        rng = np.random.default_rng(7)
        pixels = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
        return self.encode(Image.fromarray(pixels, "RGB"), "PNG")

    @staticmethod
    def declared_png(width: int, height: int) -> bytes:
        """A tiny PNG whose header declares `width`×`height` 1-bit pixels (data cut short)."""

        def chunk(kind: bytes, payload: bytes) -> bytes:
            crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
            return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

        header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + chunk(b"IEND", b"")
        )


@pytest.fixture
def samples() -> Samples:
    return Samples()


# --------------------------------------------------------------------------- backend


class _RecordingStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream, backend: RecordingBackend) -> None:
        self._inner = inner
        self._backend = backend

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data = await self._inner.read(max_bytes, timeout)
        self._backend.bytes_read += len(data)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self._backend.tls_server_names.append(server_hostname)
        inner = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        return _RecordingStream(inner, self._backend)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Records connections and bytes read; refuses every address but loopback."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()
        self.connects: list[tuple[str, int]] = []
        self.tls_server_names: list[str | None] = []
        self.bytes_read = 0

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        if host not in ("127.0.0.1", "::1"):
            raise AssertionError(f"test safety net: refusing to connect to {host}")
        stream = await self._inner.connect_tcp(host, port, timeout=timeout)
        return _RecordingStream(stream, self)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AssertionError("test safety net: no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@pytest.fixture
def backend() -> RecordingBackend:
    return RecordingBackend()


MakeFetcher = Callable[..., ImageFetcher]


@pytest.fixture
def make_fetcher(backend: RecordingBackend) -> MakeFetcher:
    """`make_fetcher(resolver=..., ssl_context=..., **policy_fields)`; short timeouts."""

    def make(
        *,
        resolver: Resolver | None = None,
        ssl_context: ssl.SSLContext | None = None,
        **policy: Any,
    ) -> ImageFetcher:
        policy.setdefault("connect_timeout", 0.5)
        policy.setdefault("read_timeout", 0.5)
        return ImageFetcher(
            FetchPolicy(**policy),
            resolver=resolver,
            ssl_context=ssl_context,
            network_backend=backend,
        )

    return make


# --------------------------------------------------------------------------- server


@dataclass
class SeenRequest:
    method: str
    target: str
    headers: dict[str, str]

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]


Handler = Callable[[SeenRequest, asyncio.StreamWriter], Awaitable[None]]


def _head(status: int, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status} Whatever", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _reply(status: int = 200, body: bytes = b"", headers: dict[str, str] | None = None) -> Handler:
    async def handle(request: SeenRequest, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(status, {"Content-Length": str(len(body)), **(headers or {})}) + body)
        await writer.drain()

    return handle


@dataclass
class LocalServer:
    """An HTTP/1.1 server on 127.0.0.1 whose routes are handler functions."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)
    connections: int = 0
    bytes_sent: int = 0
    sni_names: list[str | None] = field(default_factory=list)
    port: int = 0
    _server: asyncio.Server | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    async def start(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=ssl_context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    head = staticmethod(_head)
    """The status line and headers of a response (with `Connection: close`)."""

    def serve(
        self, path: str, body: bytes, status: int = 200, headers: dict[str, str] | None = None
    ) -> None:
        """Answer `path` with `status` and `body` (with a Content-Length)."""
        self.routes[path] = _reply(status, body, headers)

    def redirect(self, path: str, location: str, status: int = 302) -> None:
        self.routes[path] = _reply(status, headers={"Location": location})

    def on(self, path: str) -> Callable[[Handler], Handler]:
        """Decorator: `handler(request, writer)` answers `path` by hand."""

        def register(handler: Handler) -> Handler:
            self.routes[path] = handler
            return handler

        return register

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            line = await reader.readline()
            method, target, _version = line.decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (raw := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = raw.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            request = SeenRequest(method, target, headers)
            self.requests.append(request)
            await self.routes.get(request.path, _reply(404, b"not here"))(request, writer)
        except (ConnectionError, ValueError, ssl.SSLError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, ssl.SSLError):
                await writer.wait_closed()


@pytest.fixture
async def http_server() -> AsyncIterator[LocalServer]:
    local = LocalServer()
    await local.start()
    yield local
    await local.stop()


# --------------------------------------------------------------------------- TLS


@dataclass(frozen=True)
class Certificates:
    ca: Path
    cert: Path
    key: Path


@pytest.fixture(scope="session")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """A throwaway CA and a server certificate for `images.test` (needs `openssl`)."""
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args: str) -> None:
        try:
            subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.skip(f"openssl unavailable: {exc}")

    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=veogate test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")  # fmt: skip
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=images.test")
    (folder / "ext.cnf").write_text(
        "subjectAltName=DNS:images.test\n"
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid,issuer\n"
    )
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2",
            "-extfile", "ext.cnf")  # fmt: skip
    return Certificates(ca=folder / "ca.pem", cert=folder / "server.pem", key=folder / "server.key")


@pytest.fixture
async def tls_server(certificates: Certificates) -> AsyncIterator[LocalServer]:
    """A `LocalServer` speaking TLS with the `images.test` certificate; records SNI."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificates.cert, certificates.key)
    local = LocalServer()

    def remember(_conn: Any, name: str | None, _context: Any) -> None:
        local.sni_names.append(name)

    context.sni_callback = remember
    await local.start(context)
    yield local
    await local.stop()


@pytest.fixture
def client_ssl_context(certificates: Certificates) -> ssl.SSLContext:
    """Trusts only the throwaway test CA."""
    return ssl.create_default_context(cafile=str(certificates.ca))
