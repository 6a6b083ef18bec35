"""`veogate admin ...`: the operators' keys for the admin API (`/admin/v1/...`)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.credentials import create_admin_key
from veogate.admin.keys_repository import AdminKeyRepository
from veogate.config import Settings
from veogate.db.engine import create_engine, session_factory
from veogate.db.migrate import upgrade
from veogate.db.transactions import transact


async def run(args: argparse.Namespace, settings: Settings) -> int:
    """One `veogate admin` command in one unit of work; exit 1 when it cannot be done."""
    await asyncio.to_thread(upgrade, settings.resolved_database_url)
    engine = create_engine(settings.resolved_database_url)

    async def work(session: AsyncSession) -> tuple[list[str], bool]:
        return await _command(args, AdminKeyRepository(session))

    try:
        lines, ok = await transact(
            session_factory(engine), work, what=f"admin {args.admin_command}"
        )
    finally:
        await engine.dispose()
    for line in lines:
        print(line, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


async def _command(args: argparse.Namespace, repo: AdminKeyRepository) -> tuple[list[str], bool]:
    command = args.admin_command
    if command == "create-key":
        made = await create_admin_key(repo, args.name)
        print(
            "Keep the secret now: it is stored hashed and cannot be shown again.",
            file=sys.stderr,
        )
        return [f"id:     {made.id}", f"name:   {made.name}", f"secret: {made.secret}"], True
    if command == "list-keys":
        return [
            "\t".join(
                [
                    row.id,
                    row.name,
                    f"{row.prefix}...",
                    "revoked" if row.revoked_at else "active",
                    f"{row.created_at:%Y-%m-%d %H:%M}",
                ]
            )
            for row in await repo.all()
        ], True
    if await repo.revoke(args.key_id, datetime.now(UTC)):
        return [f"revoked {args.key_id}"], True
    return [f"no active admin key {args.key_id}"], False
