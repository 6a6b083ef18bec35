"""Posting one webhook: the outbound address policy, one connection pool, one deadline.

`WebhookPoster.post` never raises for anything the receiver or the network does; it answers
with an `Answer` whose `verdict` the sender acts on:

    delivered   2xx within the deadline
    retry       anything else: another status (3xx included: redirects are not followed),
                no answer in time, a refused or dropped connection, a name that does not
                resolve now; `retry_after` carries the receiver's Retry-After
    gone        410: the receiver wants no more
    refused     the outbound address policy refuses the target: nothing was sent

The policy is applied on every attempt, names resolved anew, and the connection goes only to
the vetted addresses (`media.outbound.PinnedBackend`). One pool per process serves every
receiver (httpcore's, the one under httpx: httpx has no seam for pinning), so connections to
a busy receiver are kept alive between deliveries.
"""

from __future__ import annotations

import asyncio
import enum
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

import httpcore
import httpx

from veogate import __version__
from veogate.delivery.schedule import parse_retry_after
from veogate.errors import InputError
from veogate.media.outbound import AddressGate, PinnedBackend, UnresolvableHost, VettedTarget

USER_AGENT = f"veogate-webhooks/{__version__}"
CONNECT_TIMEOUT_SECONDS = 5.0
KEEP_BODY_BYTES = 64 * 1024
"""A receiver's answer is read up to this much (so the connection can be reused), never more."""
ERROR_BODY_CHARS = 200


class Verdict(enum.StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    GONE = "gone"
    REFUSED = "refused"


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    status: int | None = None
    error: str | None = None
    retry_after: float | None = None


class WebhookPoster:
    """POSTs signed bodies to receivers the `gate` allows, each within `timeout` seconds
    (resolving, connecting, sending and the status line together)."""

    def __init__(
        self,
        gate: AddressGate,
        *,
        timeout: float,
        max_connections: int,
        ssl_context: ssl.SSLContext | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.gate = gate
        self.timeout = timeout
        self._backend = PinnedBackend(network_backend or httpcore.AnyIOBackend())
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(),
            max_connections=max_connections,
            keepalive_expiry=30.0,
            http1=True,
            http2=False,
            retries=0,
            network_backend=self._backend,
        )

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError, ValueError) as exc:
            return Answer(Verdict.REFUSED, error=f"not a valid URL ({exc})")
        where = f"host {parsed.host}"
        try:
            async with asyncio.timeout(self.timeout):
                target = await self.gate.vet(parsed, field="url", where=where)
                self._backend.pin(target)
                return await self._send(target, body, headers)
        except UnresolvableHost as exc:
            return Answer(Verdict.RETRY, error=exc.message)
        except InputError as exc:
            return Answer(Verdict.REFUSED, error=f"refused by the outbound address policy: {exc}")
        except (TimeoutError, httpcore.TimeoutException):
            return Answer(Verdict.RETRY, error=f"{where} did not answer within {self.timeout:g}s")
        except httpcore.ConnectError as exc:
            return Answer(Verdict.RETRY, error=f"could not connect to {where} ({exc})")
        except (httpcore.NetworkError, httpcore.ProtocolError) as exc:
            reason = str(exc) or type(exc).__name__
            return Answer(Verdict.RETRY, error=f"the connection to {where} failed ({reason})")

    async def _send(self, target: VettedTarget, body: bytes, headers: Mapping[str, str]) -> Answer:
        url = target.url
        request_url = httpcore.URL(
            scheme=url.raw_scheme, host=url.raw_host, port=target.port, target=url.raw_path
        )
        sent = [
            (b"Host", url.netloc),
            (b"Content-Type", b"application/json"),
            (b"Content-Length", str(len(body)).encode()),
            (b"User-Agent", USER_AGENT.encode()),
            *((name.encode(), value.encode()) for name, value in headers.items()),
        ]
        timeouts = {
            "connect": min(CONNECT_TIMEOUT_SECONDS, self.timeout),
            "read": self.timeout,
            "write": self.timeout,
            "pool": self.timeout,
        }
        async with self._pool.stream(
            "POST", request_url, headers=sent, content=body, extensions={"timeout": timeouts}
        ) as response:
            answer = await _first_bytes(response)
        return _judge(response, answer)


async def _first_bytes(response: httpcore.Response) -> bytes:
    kept = b""
    async for chunk in response.aiter_stream():
        kept += chunk
        if len(kept) >= KEEP_BODY_BYTES:
            break
    return kept


def _judge(response: httpcore.Response, body: bytes) -> Answer:
    status = response.status
    if 200 <= status < 300:
        return Answer(Verdict.DELIVERED, status=status)
    headers = httpx.Headers(response.headers)
    if status == 410:
        return Answer(Verdict.GONE, status=status, error="the receiver answered 410 Gone")
    if 300 <= status < 400:
        location = headers.get("location", "nowhere")[:300]
        error = f"HTTP {status} to {location}: redirects are not followed"
    else:
        text = body[:ERROR_BODY_CHARS].decode("utf-8", "replace").strip()
        error = f"HTTP {status}" + (f": {text}" if text else "")
    retry_after = parse_retry_after(headers.get("retry-after"))
    return Answer(Verdict.RETRY, status=status, error=error, retry_after=retry_after)
