"""`veogate credits top-up|adjust|balance|history|limits|check`: keys' accounts by hand."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.catalog import load_catalog
from veogate.cli.arguments import NONE
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
"""Given for a limit, removes it."""


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
