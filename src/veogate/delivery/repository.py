"""All SQL for webhook deliveries but claiming them (`claims_repository.py`): turning events
into deliveries, recording how each attempt went, and listing them for operators.

A delivery is one event for one receiver (a key's endpoint, or the URL a request gave).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.tables import JobEventRow, WebhookDeliveryRow
from veogate.delivery.events import Event
from veogate.jobs.lifecycle import EventType
from veogate.jobs.rows import as_utc

_D = cast(Table, WebhookDeliveryRow.__table__)
_E = cast(Table, JobEventRow.__table__)
_TO_FAN_OUT = text("job_events.fanout")
"""Written bare, as the partial index `ix_job_events_fanout` says it: SQLite uses the index
only for this exact form (SQLAlchemy would write `fanout = 1`)."""


class DeliveryState(enum.StrEnum):
    """Where a delivery is. `pending` is the only state a sender changes on its own."""

    PENDING = "pending"
    """Waiting for its next attempt at `next_at` (or being attempted: `next_at` is then the
    end of the sender's lease)."""
    DELIVERED = "delivered"
    """The receiver answered 2xx in time."""
    FAILED = "failed"
    """Given up: the schedule ran out, the receiver answered 410, the address policy refused
    the target, or its endpoint was disabled or removed. `last_error` says which; an
    operator may redeliver it."""


@dataclass(frozen=True)
class Delivery:
    """A delivery as operators see it (`veogate webhooks deliveries`)."""

    id: int
    event_seq: int
    event_type: str
    job_id: str
    owner_key_id: str
    endpoint_id: str | None
    url: str
    state: DeliveryState
    attempts: int
    next_at: float
    created_at: datetime
    finished_at: datetime | None
    last_status: int | None
    last_error: str | None


@dataclass(frozen=True)
class NewDelivery:
    """One event for one receiver (`endpoint_id` None: the URL the request gave)."""

    event_seq: int
    job_id: str
    owner_key_id: str
    endpoint_id: str | None
    url: str
    target: str


@dataclass(frozen=True)
class Claimed(NewDelivery):
    """A delivery a sender holds for one attempt."""

    id: int
    attempt: int
    """This attempt's number (1 for the first)."""


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------------ fan-out

    async def events_to_fan_out(self, limit: int) -> list[tuple[int, str, str, str]]:
        """(seq, job id, type, owner) of the oldest events not yet fanned out; on PostgreSQL
        locked for this transaction (other workers skip them)."""
        found = await self.session.execute(
            select(_E.c.id, _E.c.job_id, _E.c.kind, _E.c.owner_key_id)
            .where(_TO_FAN_OUT)
            .order_by(_E.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [(seq, job, kind, owner) for seq, job, kind, owner in found]

    async def add(self, deliveries: Sequence[NewDelivery], now: datetime) -> None:
        if not deliveries:
            return
        due = now.timestamp()
        rows = [
            {
                "event_id": d.event_seq,
                "job_id": d.job_id,
                "owner_key_id": d.owner_key_id,
                "endpoint_id": d.endpoint_id,
                "url": d.url,
                "target": d.target,
                "state": DeliveryState.PENDING.value,
                "attempts": 0,
                "next_at": due,
                "created_at": now,
            }
            for d in deliveries
        ]
        connection = await self.session.connection()
        await connection.execute(insert(_D), rows)

    async def fanned_out(self, seqs: Sequence[int]) -> None:
        await self.session.execute(update(_E).where(_E.c.id.in_(seqs)).values(fanout=False))

    async def events(self, seqs: Sequence[int]) -> dict[int, Event]:
        found = await self.session.execute(
            select(_E.c.id, _E.c.kind, _E.c.job_id, _E.c.owner_key_id, _E.c.at, _E.c.detail).where(
                _E.c.id.in_(seqs)
            )
        )
        return {
            seq: Event(
                seq=seq,
                type=EventType(kind),
                job_id=job_id,
                owner_key_id=owner,
                created_at=as_utc(at),
                detail=dict(detail or {}),
            )
            for seq, kind, job_id, owner, at, detail in found
        }

    # ------------------------------------------------------------------ outcomes

    async def delivered(self, deliveries: Sequence[tuple[int, int]], now: datetime) -> None:
        """(id, status) of deliveries a 2xx came for: recorded even if one was stopped
        meanwhile (it is the truth). One statement for them all."""
        if not deliveries:
            return
        connection = await self.session.connection()
        await connection.execute(
            update(_D)
            .where(_D.c.id == bindparam("delivery"))
            .values(
                state=DeliveryState.DELIVERED.value,
                last_status=bindparam("status"),
                last_error=None,
                finished_at=now,
                next_at=now.timestamp(),
            ),
            [{"delivery": delivery_id, "status": status} for delivery_id, status in deliveries],
        )

    async def retry_at(
        self, delivery_id: int, next_at: float, status: int | None, error: str
    ) -> None:
        await self.session.execute(
            update(_D)
            .where(_D.c.id == delivery_id, _D.c.state == DeliveryState.PENDING.value)
            .values(next_at=next_at, last_status=status, last_error=error[:2000])
        )

    async def give_up(
        self, delivery_id: int, status: int | None, error: str, now: datetime
    ) -> None:
        await self.session.execute(
            update(_D)
            .where(_D.c.id == delivery_id, _D.c.state == DeliveryState.PENDING.value)
            .values(
                state=DeliveryState.FAILED.value,
                last_status=status,
                last_error=error[:2000],
                finished_at=now,
            )
        )

    async def stop_endpoint(self, endpoint_id: str, reason: str, now: datetime) -> int:
        """Give up every pending delivery of an endpoint (disabled or removed)."""
        stopped = await self.session.execute(
            update(_D)
            .where(_D.c.endpoint_id == endpoint_id, _D.c.state == DeliveryState.PENDING.value)
            .values(state=DeliveryState.FAILED.value, last_error=reason, finished_at=now)
        )
        return int(stopped.rowcount)  # type: ignore[attr-defined]

    async def redeliver(self, delivery_id: int, now: datetime) -> bool:
        """Start a finished delivery's schedule again; False if it is pending (or unknown)."""
        again = await self.session.execute(
            update(_D)
            .where(_D.c.id == delivery_id, _D.c.state != DeliveryState.PENDING.value)
            .values(
                state=DeliveryState.PENDING.value,
                attempts=0,
                next_at=now.timestamp(),
                finished_at=None,
            )
        )
        return bool(again.rowcount)  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ reading

    async def get(self, delivery_id: int) -> Delivery | None:
        found = await self.listed(delivery_id=delivery_id, limit=1)
        return found[0] if found else None

    async def listed(
        self,
        *,
        delivery_id: int | None = None,
        endpoint_id: str | None = None,
        owner_key_id: str | None = None,
        job_id: str | None = None,
        state: DeliveryState | None = None,
        limit: int = 100,
    ) -> list[Delivery]:
        """Deliveries matching every filter given, newest first."""
        query = select(*_D.c, _E.c.kind).join(_E, _E.c.id == _D.c.event_id)
        filters = {
            _D.c.id: delivery_id,
            _D.c.endpoint_id: endpoint_id,
            _D.c.owner_key_id: owner_key_id,
            _D.c.job_id: job_id,
            _D.c.state: None if state is None else state.value,
        }
        for column, value in filters.items():
            if value is not None:
                query = query.where(column == value)
        found = await self.session.execute(query.order_by(_D.c.id.desc()).limit(limit))
        return [_delivery(row) for row in found]


def _delivery(row: Any) -> Delivery:
    return Delivery(
        id=row.id,
        event_seq=row.event_id,
        event_type=row.kind,
        job_id=row.job_id,
        owner_key_id=row.owner_key_id,
        endpoint_id=row.endpoint_id,
        url=row.url,
        state=DeliveryState(row.state),
        attempts=row.attempts,
        next_at=row.next_at,
        created_at=as_utc(row.created_at),
        finished_at=None if row.finished_at is None else as_utc(row.finished_at),
        last_status=row.last_status,
        last_error=row.last_error,
    )
