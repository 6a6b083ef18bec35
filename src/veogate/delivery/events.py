"""Reading the outbox: the events `JobRepository` wrote, in the order they were written.

Webhooks and server-sent events read events here and nowhere else; the body a client gets
is built here too, with the job rendered by its own dialect at the moment of delivery (signed
links freshly minted).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobEventRow
from veogate.jobs.lifecycle import EventType, event_public_id
from veogate.jobs.rows import as_utc

_EVENTS = cast(Table, JobEventRow.__table__)
_PUBLIC = tuple(kind.value for kind in EventType)


@dataclass(frozen=True)
class Event:
    seq: int
    type: EventType
    job_id: str
    owner_key_id: str
    created_at: datetime
    detail: dict[str, Any]

    @property
    def id(self) -> str:
        """The public id (`evt_...`): the `webhook-id` header and the SSE `id:` line."""
        return event_public_id(self.seq)


def event_body(event: Event, job_status: dict[str, Any]) -> dict[str, Any]:
    """What a webhook posts and an SSE `data:` line carries (spec: delivery.md)."""
    return {
        "type": event.type.value,
        "timestamp": event.created_at.isoformat().replace("+00:00", "Z"),
        "data": job_status,
    }


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def after(
        self,
        seq: int,
        *,
        owner_key_id: str | None = None,
        job_id: str | None = None,
        limit: int = 500,
    ) -> list[Event]:
        """Events written after `seq` (0: from the beginning), oldest first; only the
        owner's or the job's when given."""
        query = select(_EVENTS).where(_EVENTS.c.id > seq, _EVENTS.c.kind.in_(_PUBLIC))
        if owner_key_id is not None:
            query = query.where(_EVENTS.c.owner_key_id == owner_key_id)
        if job_id is not None:
            query = query.where(_EVENTS.c.job_id == job_id)
        rows = await self.session.execute(query.order_by(_EVENTS.c.id).limit(limit))
        return _events(rows.all())

    async def tail(
        self, top: int, missing: Collection[int], limit: int
    ) -> tuple[list[int], list[Event]]:
        """Rows after `top` and those of `missing` (ids below it not seen yet), oldest first:
        every id found, step notes included (so that they are not taken for events still
        to commit), and the events among them. For the event hub (`delivery/hub.py`)."""
        where = _EVENTS.c.id > top
        if missing:
            where = where | _EVENTS.c.id.in_(sorted(missing))
        query = select(_EVENTS).where(where).order_by(_EVENTS.c.id).limit(limit)
        rows = (await self.session.execute(query)).all()
        return [row.id for row in rows], _events([r for r in rows if r.kind in _PUBLIC])

    async def last_seq(self) -> int:
        found = await self.session.execute(select(func.max(_EVENTS.c.id)))
        return int(found.scalar_one() or 0)


def _events(rows: Sequence[Any]) -> list[Event]:
    return [
        Event(
            seq=row.id,
            type=EventType(row.kind),
            job_id=row.job_id,
            owner_key_id=row.owner_key_id,
            created_at=as_utc(row.at),
            detail=dict(row.detail or {}),
        )
        for row in rows
    ]
