"""Units of work on the job database, and how its hiccups are waited out.

`transact` runs a unit of work in a transaction of its own. A busy SQLite file ("database is
locked"), an exhausted connection pool, a PostgreSQL connection dropped or refused: none of
these says anything about the job being worked on, so on such an error the unit is rolled
back and run again after a pause, for as long as it takes (as DBOS does for its own tables).
Everything else propagates at once.

`on_commit` defers what must happen only once a unit's facts are durable (counting them for
`/metrics`): a unit that is rolled back and run again registers its callbacks again, and
only the attempt that commits runs them, so nothing is observed twice.

Sessions are committed, rolled back and closed by explicit calls here, never by the exit of
SQLAlchemy's async context managers: those finish in a task of their own, and so let other
coroutines run while the transaction is still open. With SQLite connections on the loop's
thread (`inline_sqlite`) another coroutine's write would then wait on this one's lock
while this one cannot finish; so a unit never yields while its transaction is open.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

import psycopg
from psycopg_pool import PoolTimeout
from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_PAUSE_SECONDS = 0.05
LONGEST_PAUSE_SECONDS = 5.0
_SQLITE_TRANSIENT = ("database is locked", "database table is locked", "database is busy")
_ON_COMMIT = "veogate.on_commit"


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's current transaction has committed; drop it if the
    transaction ends any other way (rolled back, or the session closed without a commit)."""
    session.info.setdefault(_ON_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for callback in session.info.pop(_ON_COMMIT, ()):
        try:
            callback()
        except Exception:  # an observer's bug must not turn a committed unit into an error
            log.exception("a callback after commit failed")


@event.listens_for(Session, "after_transaction_end")
def _drop_on_commit(session: Session, transaction: SessionTransaction) -> None:
    """After a commit the callbacks have run; after anything else they must not."""
    if transaction.parent is None:
        session.info.pop(_ON_COMMIT, None)


def is_transient(error: BaseException) -> bool:
    """True for failures of the database itself (its availability), not of the statement:
    through SQLAlchemy, or straight from the driver (status reads, `jobs/reader.py`)."""
    if isinstance(error, sa_exc.TimeoutError | PoolTimeout):  # no pooled connection in time
        return True
    if isinstance(error, sqlite3.OperationalError):
        return any(words in str(error).lower() for words in _SQLITE_TRANSIENT)
    if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
        return True
    if not isinstance(error, sa_exc.OperationalError):
        return False
    module = type(error.orig).__module__
    if module.startswith("sqlite3"):
        text = str(error.orig).lower()
        return any(words in text for words in _SQLITE_TRANSIENT)
    # psycopg: OperationalError means the server or the connection failed (errors about
    # the statement itself are ProgrammingError, IntegrityError, DataError...).
    return True


async def transact(
    sessions: async_sessionmaker[AsyncSession],
    work: Callable[[AsyncSession], Awaitable[T]],
    *,
    what: str,
    patience: float | None = None,
) -> T:
    """`work(session)` in one transaction, committed; repeated while the database hiccups.

    `work` must be safe to run again from its start (everything it did was rolled back).
    With `patience`, give up after that many seconds and raise the last error.
    """
    loop = asyncio.get_running_loop()
    give_up = None if patience is None else loop.time() + patience
    pause = FIRST_PAUSE_SECONDS
    attempt = 0
    while True:
        try:
            async with scoped(sessions) as session:
                result = await work(session)
                await session.commit()
                return result
        except Exception as error:
            if not is_transient(error) or (give_up is not None and loop.time() >= give_up):
                raise
            attempt += 1
            level = logging.INFO if attempt < 3 else logging.WARNING
            log.log(
                level,
                "%s: the database is unavailable (%s: %s); trying again in %.2fs (attempt %d)",
                what,
                type(error).__name__,
                str(error).splitlines()[0][:200],
                pause,
                attempt,
            )
            await asyncio.sleep(pause)
            pause = min(LONGEST_PAUSE_SECONDS, pause * 2)


@contextlib.asynccontextmanager
async def scoped(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """A session that is rolled back (if anything is left uncommitted) and closed on exit,
    on this task: nothing else runs while its transaction is still open."""
    session = sessions()
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    finally:
        await session.close()
