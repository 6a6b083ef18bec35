"""Engines and sessions for the job tables.

SQLite (the embedded default) runs in WAL mode through `inline_sqlite` connections, which
call sqlite3 on the event loop's thread; PostgreSQL runs through psycopg's asyncio driver.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from veogate.db.inline_sqlite import connector


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if (
        parsed.get_backend_name() != "sqlite"
        or not parsed.database
        or parsed.database == ":memory:"
    ):
        return None
    return Path(parsed.database)


def prepare_sqlite_file(url: str) -> None:
    """Create the file's folder and switch it to WAL (a property kept in the file)."""
    path = sqlite_path(url)
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")


SQLITE_BUSY_TIMEOUT_SECONDS = 0.1
"""How long a statement waits for another process's write lock. It waits on the loop's
thread (see `inline_sqlite`), so not long: a lock still held is an OperationalError, which
callers wait out without blocking (`transactions.transact`)."""
SQLITE_POOL_SIZE = 16
"""Inline connections are cheap: enough that sessions held across a request never queue."""


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Checkpoints run in a thread of their own, not in a commit on the loop (`checkpoints.py`).
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def create_engine(url: str, pool_size: int = 5) -> AsyncEngine:
    path = sqlite_path(url)
    if path is not None:
        prepare_sqlite_file(url)
        engine = create_async_engine(
            url,
            async_creator=connector(path, SQLITE_BUSY_TIMEOUT_SECONDS),
            pool_size=SQLITE_POOL_SIZE,
            max_overflow=4 * SQLITE_POOL_SIZE,
        )
        event.listen(engine.sync_engine, "connect", _on_sqlite_connect)
        return engine
    if is_sqlite(url):
        raise ValueError(f"veogate needs a SQLite file, not {url!r}")
    return create_async_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_size)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def sync_url(url: str) -> str:
    """The same database through a synchronous driver (for Alembic)."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    return url
