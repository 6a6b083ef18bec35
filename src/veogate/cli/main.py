"""`veogate serve | worker | keys | usage | webhooks | credits | admin | db upgrade`: parse
arguments, then call services; `veogate generate | jobs` call a server's API instead."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from veogate.auth.keys import create_key
from veogate.auth.repository import ApiKeyRepository
from veogate.cli import admin, credits, generate, jobs, webhooks
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


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="veogate", description="Self-hostable video generation gateway"
    )
    commands = root.add_subparsers(dest="command", required=True)

    def with_data_dir(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument(
            "--data-dir",
            type=Path,
            help="databases and files (default .veogate, env VEOGATE_DATA_DIR)",
        )
        return p

    run = with_data_dir(commands.add_parser("serve", help="run the API and the job pipeline"))
    run.add_argument("--host", help="address to bind (default 127.0.0.1)")
    run.add_argument("--port", type=int, help="port (default 8080)")
    run.add_argument(
        "--public-url", help="base URL clients use to reach this service (signed links)"
    )
    run.add_argument(
        "--workers", type=int, help="jobs rendered at once in this process (default 1)"
    )
    run.add_argument(
        "--no-worker",
        action="store_true",
        help="API only: accept and enqueue; jobs run in `veogate worker` processes",
    )

    work = with_data_dir(commands.add_parser("worker", help="run jobs (scale-out), no HTTP"))
    work.add_argument("--workers", type=int, help="jobs rendered at once (default 1)")
    work.add_argument("--executor-id", help="stable identity (default: host + persisted id)")

    keys = with_data_dir(commands.add_parser("keys", help="manage API keys"))
    key_commands = keys.add_subparsers(dest="keys_command", required=True)
    create = key_commands.add_parser("create", help="create a key and print its secret once")
    create.add_argument("--name", required=True)
    create.add_argument(
        "--credits",
        help="make the key metered with this opening balance (default: unmetered, usage "
        "recorded but never refused; see `veogate credits`)",
    )
    key_commands.add_parser("list", help="list keys (never their secrets)")
    key_commands.add_parser("revoke", help="revoke a key").add_argument("key_id")

    usage = with_data_dir(commands.add_parser("usage", help="billable seconds and cost by model"))
    usage.add_argument("--days", type=float, default=30.0, help="look back this many days")

    webhooks.add_parser(commands, with_data_dir)
    credits.add_parser(commands, with_data_dir)
    admin.add_parser(commands, with_data_dir)
    generate.add_parser(commands)
    jobs.add_parser(commands)

    db = with_data_dir(commands.add_parser("db", help="database maintenance"))
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply migrations"
    )
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "serve":
        return serve(args)
    if args.command == "worker":
        return worker(args)
    if args.command == "generate":
        return generate.run(args)
    if args.command == "jobs":
        return jobs.run(args)
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


if __name__ == "__main__":
    sys.exit(main())
