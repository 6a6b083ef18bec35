"""Fan-out: turning job events into webhook deliveries, durably.

`JobRepository` writes every event with `fanout` set, in the transaction of the change it
reports. A fan-out loop (every worker runs one) takes the oldest such events in batches and,
in one transaction per batch, writes a delivery for each receiver that wants the event and
clears the flag:

    a key's endpoints      enabled ones whose event filter names the event's type
    a request's URL        the job's `callback_url`, for terminal events only

Most events have no receiver at all (a relay writes about ten per job and few keys have
endpoints): a batch of those costs three reads and one update, whatever its size. A crash
rolls the batch back, flags and all, so every event is fanned out exactly once. On
PostgreSQL the batch is locked (`FOR UPDATE SKIP LOCKED`): workers share the backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from veogate.db.transactions import transact
from veogate.delivery.receivers_repository import ReceiverRepository
from veogate.delivery.repository import DeliveryRepository, NewDelivery
from veogate.delivery.targets import target_of
from veogate.jobs.lifecycle import EventType

log = logging.getLogger(__name__)

BATCH = 1000
TERMINAL = frozenset(kind.value for kind in EventType if kind.terminal)


async def fan_out_batch(session: AsyncSession, limit: int = BATCH) -> tuple[int, int]:
    """One unit of work: (events fanned out, deliveries written)."""
    deliveries = DeliveryRepository(session)
    events = await deliveries.events_to_fan_out(limit)
    if not events:
        return 0, 0
    receivers = ReceiverRepository(session)
    owners = sorted({owner for _, _, _, owner in events})
    endpoints = await receivers.enabled_endpoints_of(owners)
    ended = sorted({job for _, job, kind, _ in events if kind in TERMINAL})
    callbacks = await receivers.callback_urls(ended) if ended else {}
    made: list[NewDelivery] = []
    for seq, job_id, kind, owner in events:
        for endpoint in endpoints:
            if endpoint.owner_key_id == owner and endpoint.wants(kind):
                made.append(
                    NewDelivery(
                        seq, job_id, owner, endpoint.id, endpoint.url, target_of(endpoint.url)
                    )
                )
        callback = callbacks.get(job_id) if kind in TERMINAL else None
        if callback is not None:
            made.append(NewDelivery(seq, job_id, owner, None, callback, target_of(callback)))
    await deliveries.add(made, datetime.now(UTC))
    await deliveries.fanned_out([seq for seq, _, _, _ in events])
    return len(events), len(made)


class FanOut:
    """The loop: fan out until the backlog is empty, then look again every `poll_seconds`.

    `on_deliveries` is called after a batch that wrote deliveries was committed (the
    sender in this process wakes up at once instead of at its next look)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        poll_seconds: float,
        on_deliveries: Callable[[], None] = lambda: None,
        batch: int = BATCH,
    ) -> None:
        self.sessions = sessions
        self.poll_seconds = poll_seconds
        self.on_deliveries = on_deliveries
        self.batch = batch
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                events = await self.fan_out_once()
            except Exception:
                log.exception("webhook fan-out failed; trying again")
                events = 0
            if events >= self.batch:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)

    async def fan_out_once(self) -> int:
        """Fan out one batch; how many events it held."""
        work = functools.partial(fan_out_batch, limit=self.batch)
        events, made = await transact(self.sessions, work, what="webhooks: fanning out events")
        if made:
            log.debug("fanned out %d events into %d deliveries", events, made)
            self.on_deliveries()
        return events
