"""The command line's grammar: every `veogate` command and its options.

Kept apart from what the commands do, so that parsing imports nothing heavy: `veogate generate`
and `veogate jobs` (client commands) start without loading the server's modules.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from veogate.cli import generate, jobs

NONE = "none"
"""`veogate credits limits KEY --daily none` removes a limit."""


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

    _webhooks(commands, with_data_dir)
    _credits(commands, with_data_dir)
    _admin(commands, with_data_dir)
    generate.add_parser(commands)
    jobs.add_parser(commands)

    db = with_data_dir(commands.add_parser("db", help="database maintenance"))
    db.add_subparsers(dest="db_command", required=True).add_parser(
        "upgrade", help="apply migrations"
    )
    return root


def _webhooks(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_data_dir: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    hooks = with_data_dir(commands.add_parser("webhooks", help="webhook endpoints and deliveries"))
    sub = hooks.add_subparsers(dest="webhooks_command", required=True)
    add = sub.add_parser("add", help="send an API key's events to a URL; prints its secret")
    add.add_argument("--key", required=True, help="the API key id (key_...)")
    add.add_argument("url")
    add.add_argument(
        "--events",
        help="comma-separated event types, or all (default: job.succeeded,job.failed,"
        "job.cancelled)",
    )
    add.add_argument("--description")
    sub.add_parser("list", help="list endpoints").add_argument("--key", help="only this key's")
    sub.add_parser("remove", help="remove an endpoint for good").add_argument("endpoint_id")
    sub.add_parser("enable", help="enable an endpoint a 410 disabled").add_argument("endpoint_id")
    sub.add_parser("rotate-secret", help="new secret for an endpoint; prints it").add_argument(
        "endpoint_id"
    )
    sub.add_parser(
        "secret", help="the key's secret for URLs its requests give (callback_url)"
    ).add_argument("--key", required=True)
    listing = sub.add_parser("deliveries", help="recent deliveries, newest first")
    listing.add_argument("--endpoint")
    listing.add_argument("--key")
    listing.add_argument("--job")
    listing.add_argument("--state", help="pending, delivered or failed")
    listing.add_argument("--limit", type=int, default=50)
    sub.add_parser("redeliver", help="send a delivery again").add_argument("delivery_id", type=int)


def _credits(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_data_dir: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    credits = with_data_dir(commands.add_parser("credits", help="keys' balances and limits"))
    sub = credits.add_subparsers(dest="credits_command", required=True)
    for name, text in (("top-up", "add credits"), ("adjust", "correct a balance (+/-)")):
        change = sub.add_parser(name, help=text)
        change.add_argument("key_id")
        change.add_argument("amount", help="credits, e.g. 25 or 0.5 (adjust: may be negative)")
        change.add_argument("--note", help="why (kept in the ledger entry)")
    sub.add_parser("balance", help="balance, limits and spend").add_argument("key_id")
    history = sub.add_parser("history", help="the key's ledger entries, newest first")
    history.add_argument("key_id")
    history.add_argument("--limit", type=int, default=50)
    history.add_argument("--json", action="store_true", help="one JSON object per line")
    limits = sub.add_parser("limits", help=f"set limits ({NONE!r} removes one)")
    limits.add_argument("key_id")
    metering = limits.add_mutually_exclusive_group()
    metering.add_argument(
        "--metered", action="store_true", default=None, help="balance must cover jobs"
    )
    metering.add_argument(
        "--unmetered", dest="metered", action="store_false", help="no balance checks"
    )
    limits.add_argument("--daily", help="most credits per UTC day")
    limits.add_argument("--monthly", help="most credits per UTC month")
    limits.add_argument("--max-active", help="queued + running jobs at once")
    limits.add_argument("--creates-per-minute", help="jobs accepted per minute")
    limits.add_argument("--models", help="comma-separated public model names allowed")
    sub.add_parser("check", help="verify every balance and every ended job's reservation")


def _admin(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    with_data_dir: Callable[[argparse.ArgumentParser], argparse.ArgumentParser],
) -> None:
    admin = with_data_dir(commands.add_parser("admin", help="admin API keys"))
    sub = admin.add_subparsers(dest="admin_command", required=True)
    sub.add_parser("create-key", help="create an admin key and print its secret once").add_argument(
        "--name", required=True
    )
    sub.add_parser("list-keys", help="list admin keys (never their secrets)")
    sub.add_parser("revoke-key", help="revoke an admin key").add_argument("key_id")
