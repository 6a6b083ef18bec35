"""One event stream in process, on a real SQLite outbox and hub: a stream whose subscriber fell
behind catches up from the table, sending every event once, in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.support.databases import migrated_database, new_caller, submit_job
from veogate.db.engine import create_engine, session_factory
from veogate.db.transactions import scoped
from veogate.delivery.events import Event, EventRepository
from veogate.delivery.hub import EventHub
from veogate.delivery.sse import HEARTBEAT, EventStream


async def _render(events: Sequence[Event]) -> list[dict[str, Any] | None]:
    return [{"id": event.job_id} for event in events]


async def test_a_stream_that_fell_behind_catches_up_from_the_table(tmp_path: Path) -> None:
    with migrated_database("sqlite", tmp_path / "sse.sqlite") as url:
        engine = create_engine(url)
        sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        hub = EventHub(sessions, url, poll_seconds=0.05)
        await hub.start()
        try:
            caller = await new_caller(sessions, "behind")
            sub = hub.subscribe(caller.key_id, stream=True, queue_size=2)

            async def read_after(seq: int) -> list[Event]:
                async with scoped(sessions) as session:
                    return await EventRepository(session).after(
                        seq,
                        owner_key_id=caller.key_id,
                        limit=3,  # pages of 3
                    )

            stream = EventStream(sub, _render, read_after, hub.position(), 0.5, False, page_size=3)
            frames = stream.frames()
            assert (await anext(frames)).startswith(b"retry:")
            jobs = [(await submit_job(sessions, caller)).id for _ in range(7)]
            while not sub.lagging:  # the hub has dropped what the stream did not take
                await asyncio.sleep(0.05)

            sent = await _until_heartbeat(frames)

            assert [line for line in sent if line.startswith("data:")] == [
                f'data: {{"type":"job.queued","timestamp":"{t}","data":{{"id":"{j}"}}}}'
                for j, t in zip(jobs, await _timestamps(sessions, caller.key_id), strict=True)
            ]
            ids = [line for line in sent if line.startswith("id:")]
            assert ids == sorted(set(ids))
            await frames.aclose()
        finally:
            hub.unsubscribe(sub)
            await hub.stop()
            await engine.dispose()


async def _until_heartbeat(frames: AsyncIterator[bytes]) -> list[str]:
    """The lines sent until the stream fell quiet."""
    lines: list[str] = []
    async for chunk in frames:
        if chunk == HEARTBEAT:
            return lines
        lines.extend(chunk.decode().splitlines())
    return lines


async def _timestamps(sessions: async_sessionmaker[AsyncSession], owner: str) -> list[str]:
    async with scoped(sessions) as session:
        events = await EventRepository(session).after(0, owner_key_id=owner)
    return [e.created_at.isoformat().replace("+00:00", "Z") for e in events]
