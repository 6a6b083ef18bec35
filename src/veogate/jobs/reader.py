"""Status reads without the ORM: one statement through the database driver.

A status read is the hottest request a relay answers (clients poll every few seconds). Through
SQLAlchemy's async session it took two statements, each ~200 µs of CPU in the session and its
greenlet hand-offs, and on PostgreSQL two more round trips (the pool's ping and the closing
rollback). Here it is one `SELECT ... LEFT JOIN job_outputs` on a connection kept for reads:

    SQLite       one connection of its own, `query_only`, called on the event loop's thread
                 (a WAL reader never waits for a writer, so the call returns at once;
                 see `db/inline_sqlite.py` for why that is safe)
    PostgreSQL   a psycopg pool of autocommit connections: one round trip per read

Writes keep going through the session and its transactions (`db/transactions.py`); this
module only reads, so it cannot see anything half-written.
"""

from __future__ import annotations

import abc
import asyncio
import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import make_url

from veogate.db.engine import SQLITE_BUSY_TIMEOUT_SECONDS, sqlite_path
from veogate.db.tables import JobRow
from veogate.ids import ref_of
from veogate.jobs.model import Job, Output
from veogate.jobs.rows import to_job

# Derived from the models and the table, so a column added to `Job` or `Output` is read too.
_JOB_COLUMNS = tuple(name for name in Job.model_fields if name != "outputs")
_OUTPUT_COLUMNS = tuple(Output.model_fields)
_TYPES = {column.name: column.type for column in JobRow.__table__.columns}
_DATETIMES = tuple(c for c in _JOB_COLUMNS if isinstance(_TYPES[c], DateTime))
_JSON = tuple(c for c in _JOB_COLUMNS if isinstance(_TYPES[c], JSON))


def _select(placeholder: str) -> str:
    jobs = ", ".join(f"j.{c}" for c in _JOB_COLUMNS)
    outputs = ", ".join(f'o."{c}" AS "o_{c}"' for c in _OUTPUT_COLUMNS)
    return (
        f"SELECT {jobs}, {outputs} FROM jobs AS j "  # noqa: S608 (constant column names)
        f"LEFT JOIN job_outputs AS o ON o.job_id = j.id WHERE j.ref = {placeholder}"
    )


def _job_from(rows: Sequence[dict[str, Any]]) -> Job | None:
    """A `Job` from the joined rows (one per output; one with empty output columns if none)."""
    if not rows:
        return None
    job = SimpleNamespace(**{c: rows[0][c] for c in _JOB_COLUMNS})
    outputs = [
        SimpleNamespace(**{c: row[f"o_{c}"] for c in _OUTPUT_COLUMNS})
        for row in rows
        if row["o_index"] is not None
    ]
    return to_job(job, outputs)


class JobReader(abc.ABC):
    """Reads one job as stored now."""

    async def get(self, job_id: str) -> Job | None:
        """The job `job_id` (any dialect's spelling of its id) names, if it exists."""
        ref = ref_of(job_id)
        return None if ref is None else await self._get(ref)

    @abc.abstractmethod
    async def _get(self, ref: str) -> Job | None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...


class SqliteJobReader(JobReader):
    """One read-only connection used on the event loop's thread: each read is a single call
    that completes without suspending, so reads never interleave on it."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._sql = _select("?")
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
        connection.execute("PRAGMA query_only=ON")
        return connection

    async def _get(self, ref: str) -> Job | None:
        if self._connection is None:
            self._connection = self._connect()
        rows = [dict(row) for row in self._connection.execute(self._sql, (ref,))]
        for row in rows[:1]:
            for column in _JSON:
                row[column] = json.loads(row[column]) if row[column] is not None else None
            for column in _DATETIMES:
                if row[column] is not None:
                    row[column] = datetime.fromisoformat(row[column])
        return _job_from(rows)

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class PostgresJobReader(JobReader):
    """A small pool of autocommit connections (psycopg decodes JSON and timestamps itself)."""

    def __init__(self, url: str, size: int) -> None:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._pool = AsyncConnectionPool(
            conninfo,
            min_size=1,
            max_size=size,
            kwargs={"autocommit": True},
            open=False,
            name="veogate-reads",
        )
        self._sql = _select("%s")
        self._opening = asyncio.Lock()

    async def _get(self, ref: str) -> Job | None:
        if self._pool.closed:  # opened at the first read, on the serving loop
            async with self._opening:
                if self._pool.closed:
                    await self._pool.open()
        try:
            rows = await self._rows(ref)
        except psycopg.OperationalError:
            # Connections the server dropped (a restart, a failover) fail at their first
            # use: replace every broken one in the pool, then send the read again.
            await self._pool.check()
            rows = await self._rows(ref)
        return _job_from(rows)

    async def _rows(self, ref: str) -> list[dict[str, Any]]:
        async with (
            self._pool.connection() as connection,
            connection.cursor(row_factory=dict_row) as cursor,
        ):
            await cursor.execute(self._sql, (ref,))
            return await cursor.fetchall()

    async def close(self) -> None:
        if not self._pool.closed:
            await self._pool.close()


def create_reader(url: str, pool_size: int) -> JobReader:
    path = sqlite_path(url)
    if path is not None:
        return SqliteJobReader(path)
    return PostgresJobReader(url, pool_size)
