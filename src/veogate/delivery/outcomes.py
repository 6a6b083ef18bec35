"""What an attempt's answer means for its delivery (and its endpoint): the one place that
moves a delivery out of `pending`, besides an operator stopping or redelivering it.

    delivered   recorded; the next event of the job for this receiver may go
    retry       the next attempt after the schedule's wait (longer if the receiver's
                Retry-After says so); after the last one, the delivery has failed
    gone (410)  a key endpoint is disabled and its pending deliveries stopped; a request's
                URL gets nothing more for this event
    refused     the address policy refused the target (or the job is gone): failed at
                once, nothing was sent
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.transactions import on_commit
from veogate.delivery.receivers_repository import ReceiverRepository
from veogate.delivery.repository import Claimed, DeliveryRepository
from veogate.delivery.schedule import next_wait
from veogate.delivery.transport import Answer, Verdict
from veogate.metrics import observe

log = logging.getLogger(__name__)


async def record(
    session: AsyncSession, ended: Sequence[tuple[Claimed, Answer]], schedule: Sequence[float]
) -> None:
    """Part of a unit of work: record how these attempts ended (the many delivered ones in
    one statement), counted for `/metrics` once that is committed."""
    now = datetime.now(UTC)
    delivered = [(d.id, a.status or 200) for d, a in ended if a.verdict is Verdict.DELIVERED]
    await DeliveryRepository(session).delivered(delivered, now)
    outcomes = Counter({"delivered": len(delivered)} if delivered else {})
    for delivery, answer in ended:
        if answer.verdict is not Verdict.DELIVERED:
            outcomes[await _record_failure(session, delivery, answer, schedule, now)] += 1
    if outcomes:
        on_commit(session, functools.partial(observe.webhook_attempts, outcomes))


async def _record_failure(
    session: AsyncSession,
    delivery: Claimed,
    answer: Answer,
    schedule: Sequence[float],
    now: datetime,
) -> str:
    """Record an attempt that did not deliver; its outcome (gone, refused, failed, retrying)."""
    deliveries = DeliveryRepository(session)
    error = answer.error or ""
    if answer.verdict is Verdict.GONE:
        await deliveries.give_up(delivery.id, answer.status, error, now)
        if delivery.endpoint_id is not None:
            await _disable(session, delivery, now)
        return "gone"
    if answer.verdict is Verdict.REFUSED:
        await deliveries.give_up(delivery.id, None, error, now)
        log.warning("webhooks: delivery %d not sent: %s", delivery.id, error)
        return "refused"
    wait = next_wait(delivery.attempt, schedule, answer.retry_after)
    if wait is None:
        error = f"{error} (gave up after {delivery.attempt} attempts)"
        await deliveries.give_up(delivery.id, answer.status, error, now)
        log.info("webhooks: delivery %d failed: %s", delivery.id, error)
        return "failed"
    await deliveries.retry_at(delivery.id, now.timestamp() + wait, answer.status, error)
    return "retrying"


async def _disable(session: AsyncSession, delivery: Claimed, now: datetime) -> None:
    """A 410 from a key's endpoint: no more deliveries to it until an operator enables it."""
    assert delivery.endpoint_id is not None
    reason = f"the receiver answered 410 Gone to delivery {delivery.id} at {now:%c} UTC"
    if await ReceiverRepository(session).disable_endpoint(delivery.endpoint_id, reason, now):
        stop = f"endpoint disabled: {reason}"
        await DeliveryRepository(session).stop_endpoint(delivery.endpoint_id, stop, now)
        log.warning("webhooks: endpoint %s disabled: %s", delivery.endpoint_id, reason)
