"""LISTEN for new events on PostgreSQL, on a connection of its own, for the event hub.

Every transaction that writes job events runs `pg_notify(NOTIFY_CHANNEL, '')`, delivered when
it commits (`jobs/repository.py`). A notification carries nothing: it only says "read the
table now", so a burst of commits wakes one read, and a notification lost with a dropped
connection costs latency, never an event (the hub also reads on a timer, and once more
after every reconnect).
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
from psycopg import conninfo
from sqlalchemy.engine import make_url

from veogate.jobs.repository import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

CHECK_SECONDS = 10.0
"""How often a quiet connection is checked (a `SELECT 1`), so a dead one is noticed."""
APPLICATION_NAME = "veogate-events"
"""How the connection shows in `pg_stat_activity`."""
FIRST_PAUSE_SECONDS = 0.2
LONGEST_PAUSE_SECONDS = 10.0


class Listener:
    """Sets `wake` on every notification; reconnects with backoff for as long as it runs."""

    def __init__(self, database_url: str, wake: asyncio.Event) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        # TCP keepalives: a connection whose server vanished without a word fails in time.
        self._conninfo = conninfo.make_conninfo(
            url.render_as_string(hide_password=False),
            application_name=APPLICATION_NAME,
            keepalives=1,
            keepalives_idle=10,
            keepalives_interval=5,
            keepalives_count=3,
        )
        self._wake = wake
        self._ready = asyncio.Event()
        self.listening = False

    async def ready(self, seconds: float) -> None:
        """Until LISTEN was first set up, or `seconds` (the hub then polls meanwhile)."""
        try:
            async with asyncio.timeout(seconds):
                await self._ready.wait()
        except TimeoutError:
            log.warning("event hub: LISTEN is not set up yet; reading the table on a timer")

    async def run(self) -> None:
        pause = FIRST_PAUSE_SECONDS
        while True:
            try:
                await self._listen()
            except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                log.warning("event hub: LISTEN connection failed (%s); reconnecting", exc)
            if self.listening:  # it was up: a drop, so try again soon
                pause = FIRST_PAUSE_SECONDS
            self.listening = False
            await asyncio.sleep(pause)
            pause = min(LONGEST_PAUSE_SECONDS, pause * 2)

    async def _listen(self) -> None:
        connection = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
        async with connection:
            await connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.listening = True
            self._ready.set()
            self._wake.set()  # anything committed while nobody listened is read now
            while True:
                async for _ in connection.notifies(timeout=CHECK_SECONDS):
                    self._wake.set()
                await connection.execute("SELECT 1")
