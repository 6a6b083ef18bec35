"""Console sessions on a real database (SQLite and PostgreSQL), with the clock passed in:
idle and absolute expiry, the last request written at most once a minute, a revoked admin
key, and only hashes stored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.databases import database_url_fixture, sessions_fixture
from veogate.admin.credentials import create_admin_key
from veogate.admin.keys_repository import AdminKeyRepository
from veogate.admin.sessions import ConsoleSession, ConsoleSessions, SessionLifetime
from veogate.db.tables import ConsoleSessionRow
from veogate.db.transactions import transact
from veogate.errors import Forbidden, InvalidRequest, Unauthorized

database_url = database_url_fixture()
sessions = sessions_fixture()

T = TypeVar("T")
LIFETIME = SessionLifetime(idle=timedelta(hours=12), longest=timedelta(days=7))
T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]


async def unit(made: Sessions, work: Callable[[ConsoleSessions], Awaitable[T]]) -> T:
    async def run(session: AsyncSession) -> T:
        return await work(ConsoleSessions(session, LIFETIME))

    return await transact(made, run, what="test")


async def admin_secret(made: Sessions, name: str = "ops") -> tuple[str, str]:
    async def create(session: AsyncSession) -> tuple[str, str]:
        key = await create_admin_key(AdminKeyRepository(session), name)
        return key.id, key.secret

    return await transact(made, create, what="test")


async def find(made: Sessions, token: str, now: datetime) -> ConsoleSession | None:
    return await unit(made, lambda s: s.find(token, now))


async def test_a_session_ends_when_idle_or_too_old(sessions: Sessions) -> None:
    _, secret = await admin_secret(sessions)
    idle = await unit(sessions, lambda s: s.sign_in(secret, T0))
    assert idle.session.expires_at == T0 + timedelta(hours=12)
    assert await find(sessions, idle.token, T0 + timedelta(hours=11, minutes=59)) is not None
    # That request moved its idle deadline; 12 h after it, it is gone for good.
    later = T0 + timedelta(hours=23)
    assert await find(sessions, idle.token, later) is not None
    assert await find(sessions, idle.token, later + timedelta(hours=12)) is None
    assert await find(sessions, idle.token, later) is None

    busy = await unit(sessions, lambda s: s.sign_in(secret, T0))
    when = T0
    while when < T0 + timedelta(days=7) - timedelta(hours=6):
        when += timedelta(hours=6)
        found = await find(sessions, busy.token, when)
        assert found is not None
        assert found.expires_at <= T0 + timedelta(days=7)
    assert await find(sessions, busy.token, T0 + timedelta(days=7)) is None


async def test_the_last_request_is_written_at_most_once_a_minute(sessions: Sessions) -> None:
    _, secret = await admin_secret(sessions)
    signed = await unit(sessions, lambda s: s.sign_in(secret, T0))
    await find(sessions, signed.token, T0 + timedelta(seconds=30))
    assert (await stored(sessions)).last_seen_at.replace(tzinfo=UTC) == T0
    await find(sessions, signed.token, T0 + timedelta(seconds=90))
    seen = (await stored(sessions)).last_seen_at.replace(tzinfo=UTC)
    assert seen == T0 + timedelta(seconds=90)


async def test_only_hashes_are_stored_and_revoked_keys_end_sessions(sessions: Sessions) -> None:
    key_id, secret = await admin_secret(sessions)
    signed = await unit(sessions, lambda s: s.sign_in(secret, T0))
    row = await stored(sessions)
    assert signed.token not in (row.id, row.token_hash)
    assert secret not in (row.id, row.token_hash, row.csrf_token)

    async def revoke(session: AsyncSession) -> bool:
        return await AdminKeyRepository(session).revoke(key_id, T0)

    await transact(sessions, revoke, what="test")
    assert await find(sessions, signed.token, T0) is None
    with pytest.raises(Unauthorized):
        await unit(sessions, lambda s: s.sign_in(secret, T0))


async def test_sign_in_refuses_what_is_not_an_admin_key(sessions: Sessions) -> None:
    with pytest.raises(Forbidden):
        await unit(sessions, lambda s: s.sign_in("vg_customer", T0))
    with pytest.raises(InvalidRequest) as empty:
        await unit(sessions, lambda s: s.sign_in(" ", T0))
    assert empty.value.param == "key"
    with pytest.raises(Unauthorized):
        await unit(sessions, lambda s: s.sign_in("vga_unknown", T0))


async def stored(made: Sessions) -> ConsoleSessionRow:
    async with made() as session:
        return (await session.execute(select(ConsoleSessionRow))).scalar_one()
