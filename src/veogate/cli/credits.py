"""`veogate credits top-up|adjust|balance|history|limits|check`: keys' accounts by hand."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.catalog import load_catalog
from veogate.config import Settings
from veogate.db.engine import create_engine, session_factory
from veogate.db.migrate import upgrade
from veogate.db.transactions import transact
from veogate.errors import VeogateError
from veogate.ledger import accounts
from veogate.ledger.money import show, to_micros
from veogate.ledger.repository import LedgerRepository
from veogate.ledger.service import credit

ACTOR = "cli"
NONE = "none"
"""Given for a limit, removes it."""


def add_parser(
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


def _limits_update(args: argparse.Namespace) -> accounts.LimitsUpdate:
    given: dict[str, Any] = {}
    if args.metered is not None:
        given["metered"] = args.metered
    for name, value in (
        ("daily_limit", args.daily),
        ("monthly_limit", args.monthly),
        ("max_active_jobs", args.max_active),
        ("creates_per_minute", args.creates_per_minute),
    ):
        if value is not None:
            given[name] = None if value == NONE else value
    if args.models is not None:
        given["allowed_models"] = (
            None
            if args.models == NONE
            else [m.strip() for m in args.models.split(",") if m.strip()]
        )
    return accounts.LimitsUpdate.model_validate(given)


async def _command(
    args: argparse.Namespace, settings: Settings, session: AsyncSession
) -> list[str]:
    ledger, now = LedgerRepository(session), datetime.now(UTC)
    command = args.credits_command
    if command in ("top-up", "adjust"):
        kind = command.replace("-", "_")
        account = await credit(
            ledger, args.key_id, kind, to_micros(args.amount), actor=ACTOR, note=args.note, now=now
        )
        return [f"{args.key_id}: balance {show(account.balance)} credits"]
    if command == "limits":
        models = load_catalog(settings.catalog_path).models
        await accounts.set_limits(ledger, args.key_id, _limits_update(args), models)
        command = "balance"
    if command == "balance":
        view = await accounts.describe(ledger, args.key_id, now)
        return [json.dumps(view, indent=2)]
    if command == "history":
        entries = await ledger.history(args.key_id, limit=args.limit)
        if args.json:
            return [json.dumps(accounts.entry_view(e)) for e in entries]
        return [
            f"{e.id}\t{e.at:%Y-%m-%d %H:%M:%S}\t{e.kind:<8}\t{show(e.amount):>12}\t"
            f"{e.job_id or '-'}\t{e.actor}"
            for e in entries
        ]
    problems = await accounts.check(ledger)
    if problems:
        raise _Inconsistent(problems)
    return ["ledger consistent: every balance is the sum of its entries"]


class _Inconsistent(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """One `veogate credits` command in one unit of work; errors are printed, exit 1."""
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    engine = create_engine(settings.resolved_database_url)
    try:
        lines = await transact(
            session_factory(engine),
            lambda session: _command(args, settings, session),
            what=f"credits {args.credits_command}",
        )
    except (VeogateError, _Inconsistent, ValueError) as exc:
        print(getattr(exc, "message", str(exc)), file=sys.stderr)
        return 1
    finally:
        await engine.dispose()
    for line in lines:
        print(line)
    return 0
