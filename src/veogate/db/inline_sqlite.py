"""SQLite connections that run on the event loop's own thread, for SQLAlchemy's aiosqlite dialect.

aiosqlite gives every connection a thread and hands each call over to it and back (the
cursor, the statement, the fetch and the close are four round trips). Measured on the
2-core build machine with 32 concurrent clients (`docs/performance.md`), one primary-key
read through SQLAlchemy's async engine answered 1,250 requests/s that way and 4,300-4,800/s
with these connections, which call `sqlite3` directly and return at once.

That is safe because of how SQLite behaves in WAL mode and how veogate uses it:

- a reader never waits: it reads the last committed snapshot while a writer writes;
- in the embedded default this process is the only writer of the job database, and none of
  its write transactions awaits anything but the database, so a statement never meets a
  lock held by another coroutine of this process;
- another process (the CLI creating a key, say) can hold the write lock for a moment; then
  the statement waits up to the busy timeout, on this thread (kept short: see `engine.py`),
  and a lock still held after that is an `OperationalError` that callers retry.

The classes mirror the parts of aiosqlite's API that SQLAlchemy's adapter uses; they are
plugged in with `create_async_engine(..., async_creator=...)`, SQLAlchemy's public hook for
supplying driver connections.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any


class InlineCursor:
    """An aiosqlite-shaped cursor whose coroutines complete without suspending."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value

    async def execute(
        self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()
    ) -> InlineCursor:
        self._cursor.execute(sql, parameters)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> InlineCursor:
        self._cursor.executemany(sql, parameters)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()


class _ImmediateCalls:
    """Stands in for aiosqlite's request queue, which SQLAlchemy's adapter feeds directly
    when it changes a connection's isolation level: the call runs at once."""

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as exc:
            if future is not None:
                future.set_exception(exc)
            return
        if future is not None:
            future.set_result(result)


class InlineConnection:
    """An aiosqlite-shaped connection over a `sqlite3.Connection` on the loop's thread."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._conn = connection
        self._connection: sqlite3.Connection | None = connection
        self._tx = _ImmediateCalls()

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._conn.cursor())

    async def execute(
        self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()
    ) -> InlineCursor:
        return InlineCursor(self._conn.execute(sql, parameters))

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        self._conn.create_function(*args, **kwargs)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's `terminate`)."""
        if self._connection is not None:
            self._connection = None
            self._conn.close()


def connector(path: Path, busy_timeout_seconds: float) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine` opening `path` with these connections."""

    async def connect() -> InlineConnection:
        connection = sqlite3.connect(path, timeout=busy_timeout_seconds, check_same_thread=False)
        return InlineConnection(connection)

    return connect
