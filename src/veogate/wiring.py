"""build_services(settings): the ONLY place that picks concrete implementations."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from veogate.api.limits import RateLimiter
from veogate.auth.keys import Caller
from veogate.catalog import Catalog, load_catalog
from veogate.config import Settings
from veogate.db.checkpoints import WalCheckpointer
from veogate.db.engine import create_engine, session_factory, sqlite_path
from veogate.jobs.reader import JobReader, create_reader
from veogate.media.addresses import Resolver, StaticResolver, SystemResolver
from veogate.media.fetch import FetchPolicy, ImageFetcher
from veogate.media.outbound import AddressGate
from veogate.memo import TtlMemo
from veogate.pipeline.capacity import InFlight
from veogate.providers.registry import ProviderRegistry, build_registry
from veogate.storage.base import ObjectStore
from veogate.storage.local import LocalObjectStore
from veogate.storage.signing import UrlSigner

ESTIMATE_TTL_SECONDS = 30.0


@dataclass
class Services:
    settings: Settings
    catalog: Catalog
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    jobs: JobReader
    """Status reads: one statement through the driver, no session (`jobs/reader.py`)."""
    store: ObjectStore
    signer: UrlSigner
    providers: ProviderRegistry
    fetcher: ImageFetcher
    webhook_gate: AddressGate
    """The outbound address policy for webhook targets (`build_webhook_gate`)."""
    rate_limiter: RateLimiter
    in_flight: InFlight
    """Upstream operations in flight per credential (this process's view)."""
    callers: TtlMemo[str, Caller]
    """Recently authenticated keys, by secret hash (`VEOGATE_AUTH_CACHE_SECONDS`)."""
    estimates: TtlMemo[str, float | None]
    """Mean run seconds of each public model's recent jobs."""
    creating: asyncio.Semaphore
    """Creates being read, validated and accepted at once (`VEOGATE_CREATE_CONCURRENCY`)."""
    checkpoints: WalCheckpointer | None
    """SQLite only: the write-ahead log's checkpoints, off the event loop."""

    @property
    def work_dir(self) -> Path:
        return self.settings.data_dir / "work"

    async def close(self) -> None:
        for member in self.providers.members():
            if member.remote is not None:
                await member.remote.aclose()
        await self.jobs.close()
        await self.engine.dispose()
        if self.checkpoints is not None:
            # On the loop's thread: a last checkpoint of at most a second of log, and the
            # workflow engine has shut down the loop's default executor by now.
            self.checkpoints.stop()


def build_store(settings: Settings) -> ObjectStore:
    """Local disk under the data directory, or S3-compatible storage for `s3://` URLs."""
    if settings.storage_url is None:
        return LocalObjectStore(settings.objects_dir)
    from veogate.storage.s3 import S3ObjectStore, parse_s3_url

    return S3ObjectStore(
        parse_s3_url(settings.storage_url),
        region=settings.s3_region,
        endpoint=settings.s3_endpoint,
        access_key_id=settings.s3_access_key_id or None,
        secret_access_key=settings.s3_secret_access_key or None,
        session_token=settings.s3_session_token or None,
    )


def build_fetch_policy(settings: Settings) -> FetchPolicy:
    from ipaddress import ip_network

    return FetchPolicy(
        connect_timeout=min(5.0, settings.image_fetch_timeout_seconds),
        read_timeout=settings.image_fetch_timeout_seconds,
        max_bytes=settings.image_max_bytes,
        allowed_ports=frozenset(settings.image_fetch_allowed_ports),
        allow_cidrs=tuple(ip_network(c, strict=False) for c in settings.image_fetch_allow_cidrs),
        allow_hosts=frozenset(h.lower() for h in settings.image_fetch_allow_hosts),
    )


def _resolver(settings: Settings) -> Resolver:
    """DNS, or the operator's fixed table (`image_fetch_resolve`) for every outbound request."""
    if settings.image_fetch_resolve is not None:
        return StaticResolver(settings.image_fetch_resolve)
    return SystemResolver()


def build_webhook_gate(settings: Settings) -> AddressGate:
    """The image fetch policy's address rules, each overridable by a `webhook_*` setting.
    (Timeouts and sizes of webhook attempts are the sender's: `webhook_timeout_seconds`.)"""
    from ipaddress import ip_network

    cidrs = settings.webhook_allow_cidrs
    hosts = settings.webhook_allow_hosts
    ports = settings.webhook_allowed_ports
    policy = FetchPolicy(
        max_redirects=0,
        allowed_ports=frozenset(settings.image_fetch_allowed_ports if ports is None else ports),
        allow_cidrs=tuple(
            ip_network(c, strict=False)
            for c in (settings.image_fetch_allow_cidrs if cidrs is None else cidrs)
        ),
        allow_hosts=frozenset(
            h.lower() for h in (settings.image_fetch_allow_hosts if hosts is None else hosts)
        ),
    )
    return AddressGate(policy, _resolver(settings))


CREATES_AT_ONCE_SQLITE = 4
CREATES_AT_ONCE = 16


def build_services(settings: Settings) -> Services:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    catalog = load_catalog(settings.catalog_path, settings.prices)
    url = settings.resolved_database_url
    engine = create_engine(url, settings.database_pool_size)
    path = sqlite_path(url)
    checkpoints = None if path is None else WalCheckpointer(path)
    if checkpoints is not None:
        checkpoints.start()
    return Services(
        settings=settings,
        catalog=catalog,
        engine=engine,
        sessions=session_factory(engine),
        jobs=create_reader(url, settings.database_pool_size),
        store=build_store(settings),
        signer=UrlSigner(
            settings.resolved_signing_secret(), settings.base_url, settings.url_ttl_seconds
        ),
        providers=build_registry(settings, catalog),
        fetcher=ImageFetcher(build_fetch_policy(settings), resolver=_resolver(settings)),
        webhook_gate=build_webhook_gate(settings),
        rate_limiter=RateLimiter(settings.rate_limit_per_minute),
        in_flight=InFlight(),
        callers=TtlMemo(settings.auth_cache_seconds),
        estimates=TtlMemo(ESTIMATE_TTL_SECONDS),
        creating=asyncio.Semaphore(
            settings.create_concurrency or (CREATES_AT_ONCE_SQLITE if path else CREATES_AT_ONCE)
        ),
        checkpoints=checkpoints,
    )
