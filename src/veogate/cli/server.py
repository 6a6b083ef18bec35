"""The commands that run or manage a server on this machine (`veogate serve | worker | keys |
usage | webhooks | credits | admin | db upgrade`): they open its database and services."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta

from veogate.auth.keys import create_key
from veogate.auth.repository import ApiKeyRepository
from veogate.cli import admin, credits, webhooks
from veogate.config import Settings, get_settings
from veogate.db.engine import create_engine, session_factory
from veogate.db.migrate import upgrade
from veogate.db.transactions import scoped, transact
from veogate.jobs.stats_repository import JobStatsRepository, UsageGroup
from veogate.ledger.money import show, to_micros
from veogate.logs import configure_logging

_USAGE_GROUPS = (UsageGroup.MODEL, UsageGroup.RESOLUTION, UsageGroup.PROVIDER)


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    for name in ("host", "port", "data_dir", "public_url", "executor_id"):
        value = getattr(args, name, None)
        if value is not None:
            overrides[name] = value
    if getattr(args, "workers", None) is not None:
        overrides["render_concurrency"] = args.workers
    return get_settings(**overrides)


def _logging(settings: Settings) -> None:
    configure_logging(settings.log_level, settings.log_format)


def worker(args: argparse.Namespace) -> int:
    from veogate.pipeline.worker import run_worker

    settings = _settings(args)
    _logging(settings)
    asyncio.run(run_worker(settings))
    return 0


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from veogate.api.app import create_app
    from veogate.api.server import Server

    settings = _settings(args)
    _logging(settings)
    app = create_app(settings, worker=not args.no_worker)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        loop="uvloop",
        http="httptools",
        access_log=settings.access_log,
        # JSON: uvicorn's loggers go through ours (its own config prints text lines).
        log_config=None if settings.log_format == "json" else uvicorn.config.LOGGING_CONFIG,
        timeout_graceful_shutdown=max(1, int(settings.shutdown_grace_seconds)),
    )
    Server(config, app).run()
    return 0


async def _keys(args: argparse.Namespace, settings: Settings) -> int:
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    engine = create_engine(settings.resolved_database_url)
    sessions = session_factory(engine)
    try:
        if args.keys_command == "create":
            opening = None if args.credits is None else to_micros(args.credits)
            created = await transact(
                sessions,
                lambda s: create_key(ApiKeyRepository(s), args.name, credits=opening, actor="cli"),
                what="create key",
            )
            print(f"id:     {created.id}\nname:   {created.name}\nsecret: {created.secret}")
            if opening is not None:
                print(f"metered, balance {show(opening)} credits")
            print(
                "Keep the secret now: it is stored hashed and cannot be shown again.",
                file=sys.stderr,
            )
        elif args.keys_command == "list":
            async with scoped(sessions) as session:
                for row in await ApiKeyRepository(session).all():
                    state = "revoked" if row.revoked_at else "active"
                    since = f"{row.created_at:%Y-%m-%d %H:%M}"
                    print(f"{row.id}\t{row.name}\t{row.prefix}...\t{state}\t{since}")
        elif not await transact(
            sessions,
            lambda s: ApiKeyRepository(s).revoke(args.key_id, datetime.now(UTC)),
            what="revoke key",
        ):
            print(f"no active key {args.key_id}", file=sys.stderr)
            return 1
        else:
            print(f"revoked {args.key_id}")
    finally:
        await engine.dispose()
    return 0


async def _usage(args: argparse.Namespace, settings: Settings) -> int:
    engine = create_engine(settings.resolved_database_url)
    since = datetime.now(UTC) - timedelta(days=args.days)
    try:
        async with scoped(session_factory(engine)) as session:
            rows = await JobStatsRepository(session).usage(_USAGE_GROUPS, since=since)
    finally:
        await engine.dispose()
    print(
        f"{'model':<26}{'resolution':<12}{'provider':<20}{'jobs':>6}{'seconds':>12}{'credits':>12}"
    )
    for row in rows:
        model, resolution, provider = (row.groups[group] for group in _USAGE_GROUPS)
        print(
            f"{model:<26}{resolution:<12}{provider:<20}"
            f"{row.jobs:>6}{row.seconds:>12.1f}{row.cost:>12.2f}"
        )
    jobs, seconds = sum(r.jobs for r in rows), sum(r.seconds for r in rows)
    print(f"{'total':<64}{jobs:>6}{seconds:>12.1f}{sum(r.cost for r in rows):>12.2f}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run one server-side command."""
    if args.command == "serve":
        return serve(args)
    if args.command == "worker":
        return worker(args)
    settings = _settings(args)
    if args.command == "keys":
        return asyncio.run(_keys(args, settings))
    if args.command == "usage":
        return asyncio.run(_usage(args, settings))
    if args.command == "webhooks":
        return asyncio.run(webhooks.run(args, settings))
    if args.command == "credits":
        return asyncio.run(credits.run(args, settings))
    if args.command == "admin":
        return asyncio.run(admin.run(args, settings))
    from veogate.pipeline.runtime import migrate_system_database

    upgrade(settings.resolved_database_url)
    migrate_system_database(settings)
    print("job tables and workflow tables are up to date")
    return 0
