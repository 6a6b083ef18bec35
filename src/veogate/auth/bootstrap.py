"""A fresh install gets one API key, so its owner can make the first request.

It is written to `<data_dir>/bootstrap-key` (owner-only permissions) and logged once;
it works like any other key and can be revoked with `veogate keys revoke`.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from veogate.auth.keys import CreatedKey, create_key
from veogate.auth.repository import ApiKeyRepository
from veogate.db.transactions import transact

log = logging.getLogger(__name__)


async def ensure_first_key(
    sessions: async_sessionmaker[AsyncSession], data_dir: Path
) -> str | None:
    """Create a key if none is active. Returns its secret when one was created."""

    async def create_first(session: AsyncSession) -> CreatedKey | None:
        repo = ApiKeyRepository(session)
        if await repo.count_active() > 0:
            return None
        return await create_key(repo, "bootstrap")

    created = await transact(sessions, create_first, what="creating the first API key")
    if created is None:
        return None
    path = data_dir / "bootstrap-key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(created.secret + "\n")
    log.warning("no API keys existed: created key %s, saved to %s", created.id, path)
    return created.secret
