"""Server-sent events: the wire format, and the life of one stream.

A stream first sends what the table holds after the client's position (`Last-Event-ID`), page
by page, then what the event hub hands it as events are written, with a comment line when
nothing was sent for `heartbeat_seconds` (proxies close idle connections). A job's stream ends
after the job's terminal event; a key's stream runs until the client leaves or the process
shuts down (`Subscription.closed`). An event can be met twice, in a table read and from the
hub; it is sent once.

    id: evt_000000000123
    event: job.succeeded
    data: {"type": "job.succeeded", "timestamp": "...", "data": {...the job...}}

"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from veogate.delivery.events import Event, event_body
from veogate.delivery.hub import Subscription

RETRY_MILLISECONDS = 3000
"""Sent first: how long an EventSource waits before reconnecting (also flushes headers)."""
HEARTBEAT = b": keepalive\n\n"
PAGE_SIZE = 500
SENT_MEMORY = 4096
"""Ids a stream remembers having sent, to send none twice (duplicates are always recent)."""

Render = Callable[[Sequence[Event]], Awaitable[list[dict[str, Any] | None]]]
"""The `data` of each event: its job as the job's own dialect renders a status read, now
(None if the job is gone)."""
ReadAfter = Callable[[int], Awaitable[list[Event]]]
"""A page of the stream's events written after a sequence number, oldest first."""


def frame(event: Event, status: dict[str, Any] | None) -> bytes:
    data = json.dumps(event_body(event, status or {}), separators=(",", ":"), ensure_ascii=False)
    return f"id: {event.id}\nevent: {event.type.value}\ndata: {data}\n\n".encode()


class _Sent:
    """The highest sequence number sent, and the ids sent lately."""

    def __init__(self, after: int) -> None:
        self.high = after
        self._ids: set[int] = set()
        self._order: deque[int] = deque()

    def first_time(self, event: Event) -> bool:
        if event.seq in self._ids:
            return False
        self._ids.add(event.seq)
        self._order.append(event.seq)
        if len(self._order) > SENT_MEMORY:
            self._ids.discard(self._order.popleft())
        self.high = max(self.high, event.seq)
        return True


@dataclass
class EventStream:
    subscription: Subscription
    """Made before `replay` was read, so nothing falls between the two."""
    render: Render
    read_after: ReadAfter
    after: int
    """The client's position: events after it are sent."""
    heartbeat_seconds: float
    until_terminal: bool
    """A job's stream: it ends after the job's terminal event."""
    replay: list[Event] = field(default_factory=list)
    """The first page read after `after` (read by the route, before the response began)."""
    page_size: int = PAGE_SIZE
    """What `read_after` returns at most: a full page means there may be more."""

    async def frames(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        sub = self.subscription
        yield f"retry: {RETRY_MILLISECONDS}\n\n".encode()
        sent = _Sent(self.after)
        events, from_table = self.replay, True
        quiet_since = loop.time()
        while True:
            chunk, ended = await self._encode(events, sent)
            if chunk:
                yield chunk
                quiet_since = loop.time()
            if ended:
                return
            if from_table and len(events) >= self.page_size:  # the table has more
                events = await self.read_after(sent.high)
                continue
            if sub.closed:
                return
            if loop.time() - quiet_since >= self.heartbeat_seconds:
                yield HEARTBEAT
                quiet_since = loop.time()
            await sub.wait(quiet_since + self.heartbeat_seconds - loop.time())
            events, from_table = sub.take()
            if from_table:  # the hub dropped some: read them (and any since) from the table
                events = await self.read_after(sent.high)

    async def _encode(self, events: list[Event], sent: _Sent) -> tuple[bytes, bool]:
        """The frames of the events not sent yet, and whether the stream ends after them."""
        fresh: list[Event] = []
        ended = False
        for event in events:
            if sent.first_time(event):
                fresh.append(event)
                if self.until_terminal and event.type.terminal:
                    ended = True
                    break
        if not fresh:
            return b"", ended
        statuses = await self.render(fresh)
        return b"".join(frame(e, s) for e, s in zip(fresh, statuses, strict=True)), ended
