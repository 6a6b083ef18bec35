"""The event hub: one reader of the outbox per process, fanning events out to its subscribers.

Server-sent event streams and `Prefer: wait` requests each want to hear of a few jobs' events
as soon as they are written, by any process. Rather than have each of them query the table,
one task per API process reads it and hands every new event to the subscribers it concerns
(by job, or by owner key):

    SQLite       the table is read every `poll_seconds` (~0.25 s); one indexed range query
    PostgreSQL   a connection of its own LISTENs on `NOTIFY_CHANNEL` (`delivery/listen.py`),
                 which every transaction that writes events notifies on commit; each
                 notification wakes a read. The table is also read every few seconds in case
                 a notification was lost with a dropped connection, and at the SQLite pace
                 while the listener is reconnecting.

Reading "ids above the highest seen" is not enough on PostgreSQL: ids come from a sequence
when a row is inserted, but transactions commit in their own order, so event 101 can be
visible before event 100 is. The hub therefore remembers the ids it skipped over
(`Horizon.missing`) and asks for them again on each read until they appear or
`MISSING_SECONDS` pass (a rolled-back transaction leaves its id unused for good).

A subscriber that does not keep up is never waited for: past `queue_size` undelivered events
it is marked `lagging` and its queue emptied, and it catches up from the table itself by its
own position (`sse.py`). Subscribers that only wait for a job to end (`api/wait.py`) re-read
the job instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from veogate.db.engine import is_sqlite
from veogate.db.transactions import is_transient, scoped
from veogate.delivery.events import Event, EventRepository
from veogate.delivery.listen import Listener

log = logging.getLogger(__name__)

READ_LIMIT = 500
"""Rows per read; a full read is followed by another at once."""
MISSING_SECONDS = 30.0
"""How long an id skipped over is looked for (an open transaction that will commit it)."""
MAX_MISSING = 1000
"""Ids looked for at most; past that the oldest are given up (a huge gap is rollbacks)."""
STARTUP_LOOKBACK = 64
"""At start the last this many ids are read too, so that a gap among them is looked for."""
FALLBACK_SECONDS = 2.0
"""On PostgreSQL, how often the table is read while LISTEN is healthy."""
QUEUE_SIZE = 256
MIN_READ_INTERVAL = 0.1
"""Reads are at least this far apart, however many notifications arrive."""


@dataclass(eq=False)
class Subscription:
    """What one stream or waiter hears of: a job's events, or all events of an owner key."""

    owner_key_id: str
    job_id: str | None
    stream: bool
    """Counted against the per-key limit on concurrent event streams."""
    queue_size: int = QUEUE_SIZE
    lagging: bool = False
    """Events were dropped: the subscriber must catch up from the table."""
    closed: bool = False
    """The hub stopped (the process is shutting down): finish now."""
    _pending: deque[Event] = field(default_factory=deque)
    _signal: asyncio.Event = field(default_factory=asyncio.Event)

    def offer(self, event: Event) -> None:
        """Queue `event`, or mark the subscriber lagging if it has too many queued already."""
        if self.closed or self.lagging:
            return
        if len(self._pending) >= self.queue_size:
            self.lagging = True
            self._pending.clear()
        else:
            self._pending.append(event)
        self._signal.set()

    def close(self) -> None:
        self.closed = True
        self._signal.set()

    async def wait(self, seconds: float) -> None:
        """Until an event is queued, the subscriber lags or is closed, or `seconds` pass."""
        if not (self._pending or self.lagging or self.closed):
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, seconds)):
                    await self._signal.wait()
        self._signal.clear()

    def take(self) -> tuple[list[Event], bool]:
        """The queued events, oldest first, and whether some were dropped before them (the
        subscriber then catches up from the table; it lags no more)."""
        events, lagged = list(self._pending), self.lagging
        self._pending.clear()
        self.lagging = False
        return events, lagged


class Horizon:
    """How far the outbox has been read: every id up to `top` was seen, except `missing`,
    ids skipped over that may still commit (with when they were first missed)."""

    def __init__(self, top: int) -> None:
        self.top = top
        self.missing: dict[int, float] = {}

    def advance(self, ids: list[int], now: float) -> None:
        """Take in the ids of one read (ascending)."""
        for seq in ids:
            self.missing.pop(seq, None)
        above = [seq for seq in ids if seq > self.top]
        if above:
            found = set(above)
            start = max(self.top + 1, above[-1] - MAX_MISSING)
            for seq in range(start, above[-1]):
                if seq not in found:
                    self.missing[seq] = now
            self.top = above[-1]
        expired = [seq for seq, since in self.missing.items() if now - since > MISSING_SECONDS]
        for seq in expired:
            del self.missing[seq]
        for seq in sorted(self.missing)[: max(0, len(self.missing) - MAX_MISSING)]:
            del self.missing[seq]


class EventHub:
    """One per API process: started and stopped by the app's lifespan (`api/app.py`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        database_url: str,
        *,
        poll_seconds: float,
        fallback_seconds: float = FALLBACK_SECONDS,
    ) -> None:
        self._sessions = sessions
        self._poll = poll_seconds
        self._fallback = fallback_seconds
        self._wake = asyncio.Event()
        self._listener = None if is_sqlite(database_url) else Listener(database_url, self._wake)
        self._by_job: dict[str, set[Subscription]] = {}
        self._by_owner: dict[str, set[Subscription]] = {}
        self._streams: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._horizon: Horizon | None = None
        self._closed = False

    # ------------------------------------------------------------------ subscribers

    def subscribe(
        self,
        owner_key_id: str,
        job_id: str | None = None,
        *,
        stream: bool = False,
        queue_size: int = QUEUE_SIZE,
    ) -> Subscription:
        """Hear of `job_id`'s events, or of all of the owner's when no job is given."""
        sub = Subscription(owner_key_id, job_id, stream, queue_size)
        if self._closed:
            sub.close()
        index, key = (
            (self._by_job, job_id) if job_id is not None else (self._by_owner, owner_key_id)
        )
        index.setdefault(key, set()).add(sub)
        if stream:
            self._streams[owner_key_id] = self._streams.get(owner_key_id, 0) + 1
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        index, key = (
            (self._by_job, sub.job_id)
            if sub.job_id is not None
            else (self._by_owner, sub.owner_key_id)
        )
        subs = index.get(key)
        if subs is not None and sub in subs:
            subs.discard(sub)
            if not subs:
                del index[key]
            if sub.stream:
                left = self._streams[sub.owner_key_id] - 1
                if left:
                    self._streams[sub.owner_key_id] = left
                else:
                    del self._streams[sub.owner_key_id]

    @contextlib.contextmanager
    def subscription(
        self, owner_key_id: str, job_id: str | None = None, *, stream: bool = False
    ) -> Iterator[Subscription]:
        sub = self.subscribe(owner_key_id, job_id, stream=stream)
        try:
            yield sub
        finally:
            self.unsubscribe(sub)

    def position(self) -> int:
        """The highest event id read so far (a stream "from now" starts after it)."""
        return self._horizon.top if self._horizon is not None else 0

    def streams_of(self, owner_key_id: str) -> int:
        """Event streams the key has open in this process."""
        return self._streams.get(owner_key_id, 0)

    def publish(self, events: list[Event]) -> None:
        """Hand each event to the subscribers of its job and of its owner."""
        for event in events:
            for sub in self._by_job.get(event.job_id, ()):
                sub.offer(event)
            for sub in self._by_owner.get(event.owner_key_id, ()):
                sub.offer(event)

    def close_streams(self) -> None:
        """Finish every subscriber now and any that comes later (shutdown has begun)."""
        self._closed = True
        for index in (self._by_job, self._by_owner):
            for subs in index.values():
                for sub in subs:
                    sub.close()

    # ------------------------------------------------------------------ reading

    async def start(self) -> None:
        if self._listener is not None:
            self._tasks.append(asyncio.create_task(self._listener.run()))
            await self._listener.ready(5.0)  # LISTEN first: nothing falls between
        async with scoped(self._sessions) as session:
            last = await EventRepository(session).last_seq()
        self._horizon = Horizon(max(0, last - STARTUP_LOOKBACK))
        await self.read()
        self._tasks.append(asyncio.create_task(self._run()))

    async def stop(self) -> None:
        self.close_streams()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _run(self) -> None:
        pause = self._poll
        loop = asyncio.get_running_loop()
        last_read = loop.time()
        while True:
            listening = self._listener is not None and self._listener.listening
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._fallback if listening else self._poll):
                    await self._wake.wait()
            # A busy relay notifies hundreds of times a second: one read per
            # `MIN_READ_INTERVAL` takes them all, at once when it is quiet.
            await asyncio.sleep(max(0.0, last_read + MIN_READ_INTERVAL - loop.time()))
            self._wake.clear()
            last_read = loop.time()
            try:
                await self.read()
                pause = self._poll
            except Exception as exc:
                if not is_transient(exc):
                    log.exception("event hub: reading the outbox failed")
                else:
                    log.warning("event hub: the database is unavailable (%s)", exc)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 5.0)

    async def read(self) -> None:
        """Read what was committed since the last read and hand it out."""
        horizon = self._horizon
        assert horizon is not None, "start() first"
        loop = asyncio.get_running_loop()
        while True:
            async with scoped(self._sessions) as session:
                ids, events = await EventRepository(session).tail(
                    horizon.top, horizon.missing, READ_LIMIT
                )
            horizon.advance(ids, loop.time())
            self.publish(events)
            if len(ids) < READ_LIMIT:
                return
