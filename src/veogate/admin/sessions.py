"""Console sessions: an admin key pasted once into `/console` becomes a server-side session,
found again by the SHA-256 of the random token in the browser's cookie.

A session ends when it is signed out or revoked, when it has been idle for `idle`, when it is
`longest` old, or when its admin key is revoked (checked on every request, like the key
itself). Each session has its own CSRF token, which the console sends back with every
state-changing request. Knows no HTTP and never commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.admin.credentials import AdminCaller, admin_caller_for, refuse_customer_key
from veogate.admin.keys_repository import AdminKeyRepository
from veogate.admin.schemas import ConsoleSessionView
from veogate.admin.sessions_repository import ConsoleSessionRepository
from veogate.auth.keys import hash_secret
from veogate.db.tables import AdminKeyRow, ConsoleSessionRow
from veogate.errors import InvalidRequest, NotFound
from veogate.ids import new_id
from veogate.jobs.rows import as_utc

TOUCH_AFTER = timedelta(seconds=60)
"""A session's last request time is written at most this often (not on every request)."""


@dataclass(frozen=True)
class SessionLifetime:
    idle: timedelta
    """Without a request for this long, a session ends."""
    longest: timedelta
    """This long after its sign-in, a session ends however busy."""

    def expires_at(self, row: ConsoleSessionRow) -> datetime:
        return min(as_utc(row.last_seen_at) + self.idle, as_utc(row.created_at) + self.longest)


@dataclass(frozen=True)
class ConsoleSession:
    """A live session: who it acts as, and the CSRF token its writes must carry."""

    id: str
    caller: AdminCaller
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class SignedIn:
    token: str
    """For the cookie only: veogate keeps its hash."""
    session: ConsoleSession


class ConsoleSessions:
    def __init__(self, session: AsyncSession, lifetime: SessionLifetime) -> None:
        self.repo = ConsoleSessionRepository(session)
        self.keys = AdminKeyRepository(session)
        self.lifetime = lifetime

    async def sign_in(self, admin_secret: str, now: datetime) -> SignedIn:
        """A new session for the admin key `admin_secret`: 400 when empty, 403 for a
        customer key, 401 for an unknown or revoked admin key."""
        secret = admin_secret.strip()
        if not secret:
            raise InvalidRequest("key: paste an admin key (vga_...)", param="key")
        caller = await admin_caller_for(self.keys, refuse_customer_key(secret))
        await self.repo.remove_expired(now - self.lifetime.idle, now - self.lifetime.longest)
        token = secrets.token_urlsafe(32)
        row = ConsoleSessionRow(
            id=new_id("cs"),
            token_hash=hash_secret(token),
            admin_key_id=caller.key_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
        )
        await self.repo.add(row)
        return SignedIn(token=token, session=self._session(row, caller))

    async def find(self, token: str, now: datetime) -> ConsoleSession | None:
        """The live session of `token`, its last request time moved to `now`; None for an
        unknown token, an expired session (removed) or a revoked admin key."""
        found = await self.repo.by_token_hash(hash_secret(token))
        if found is None:
            return None
        row, key = found
        if key.revoked_at is not None:
            return None
        if self.lifetime.expires_at(row) <= now:
            await self.repo.remove(row.id)
            return None
        if now - as_utc(row.last_seen_at) >= TOUCH_AFTER:
            await self.repo.touch(row.id, now)
            row.last_seen_at = now
        return self._session(row, AdminCaller(key_id=key.id, name=key.name))

    async def end(self, session_id: str) -> None:
        """Sign out (or revoke): 404 for a session that is not there."""
        if not await self.repo.remove(session_id):
            raise NotFound(f"no console session {session_id!r}", param="id")

    async def live(self, now: datetime, current: str | None) -> list[ConsoleSessionView]:
        """Every session still in force, newest first; `current` marks the caller's own."""
        return [
            self._view(row, key, current)
            for row, key in await self.repo.all_live()
            if self.lifetime.expires_at(row) > now
        ]

    def _session(self, row: ConsoleSessionRow, caller: AdminCaller) -> ConsoleSession:
        return ConsoleSession(
            id=row.id,
            caller=caller,
            csrf_token=row.csrf_token,
            expires_at=self.lifetime.expires_at(row),
        )

    def _view(
        self, row: ConsoleSessionRow, key: AdminKeyRow, current: str | None
    ) -> ConsoleSessionView:
        return ConsoleSessionView(
            id=row.id,
            admin_key=key.id,
            admin_key_name=key.name,
            created_at=as_utc(row.created_at),
            last_seen_at=as_utc(row.last_seen_at),
            expires_at=self.lifetime.expires_at(row),
            current=row.id == current,
        )
