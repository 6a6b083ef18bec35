"""The webhook sender: claims due deliveries and attempts them, apart from job processing.

Each attempt posts `{"type", "timestamp", "data"}` (`events.event_body`, `data` the job as its
dialect renders it now, links freshly signed), signed the Standard Webhooks way with the
receiver's secret; `webhook-id` is the event's id, the same on every attempt. What the answer
means is `outcomes.record`'s to say; answers are recorded in the transaction of the next
claim (one transaction per round, however many attempts ended), so a crash in between only
makes an attempt happen again, with the same `webhook-id`.

Isolation: the sender is its own task, never awaited by the pipeline. It holds at most
`concurrency` attempts at once and at most `host_concurrency` per target, and claims only
what it has room for, so a receiver that hangs until the timeout on every call takes up at
most its own few slots while every other receiver is served as usual.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from veogate.config import Settings
from veogate.db.transactions import transact
from veogate.delivery.claims_repository import ClaimRepository
from veogate.delivery.events import Event, event_body
from veogate.delivery.fanout import FanOut
from veogate.delivery.outcomes import record
from veogate.delivery.receivers_repository import ReceiverRepository
from veogate.delivery.repository import Claimed, DeliveryRepository
from veogate.delivery.signing import new_secret, signed_headers
from veogate.delivery.transport import Answer, Verdict, WebhookPoster
from veogate.jobs.model import Job
from veogate.jobs.repository import JobRepository
from veogate.logs import about_job
from veogate.media.outbound import AddressGate

log = logging.getLogger(__name__)

StatusRenderer = Callable[[Job], Awaitable[dict[str, Any]]]
"""The job as its own dialect answers a status read (`dialects.status`, bound by the
composition root: delivery code never imports dialects)."""

LEASE_MARGIN_SECONDS = 10.0
"""A claim lasts the attempt's timeout plus this (rendering the body, recording the end)."""
GATHER_SECONDS = 0.002
"""After a wake-up, wait this long so that attempts ending together share one claim."""


@dataclass(frozen=True)
class Attempt:
    """A claimed delivery with what is needed to send it."""

    delivery: Claimed
    event: Event
    secret: str
    job: Job | None
    """As stored when claimed (None: gone); rendered when sent."""


class WebhookSender:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        poster: WebhookPoster,
        render: StatusRenderer,
        *,
        schedule: Sequence[float],
        concurrency: int,
        host_concurrency: int,
        poll_seconds: float,
    ) -> None:
        self.sessions = sessions
        self.poster = poster
        self.render = render
        self.schedule = tuple(schedule)
        self.concurrency = concurrency
        self.host_concurrency = host_concurrency
        self.poll_seconds = poll_seconds
        self.attempted = 0
        """Attempts this sender has started (for logs and tests)."""
        self._attempts: set[asyncio.Task[None]] = set()
        self._ended: list[tuple[Claimed, Answer]] = []
        """Attempts that ended, with their answers, to be recorded with the next claim."""
        self._busy: Counter[str] = Counter()
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Deliveries were just written, or an attempt ended: look now."""
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.send_due()
            except Exception:
                log.exception("webhooks: claiming due deliveries failed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            await asyncio.sleep(GATHER_SECONDS)

    async def stop(self, grace_seconds: float) -> None:
        """Claim nothing more; attempts still running after the grace period are cut off
        (their leases run out and they are attempted again, by this or another worker)."""
        self._stopping = True
        self._wake.set()
        if self._attempts:
            await asyncio.wait(set(self._attempts), timeout=grace_seconds)
        for task in list(self._attempts):
            task.cancel()
        await asyncio.gather(*self._attempts, return_exceptions=True)
        await self.send_due()

    async def send_due(self) -> int:
        """Record the attempts that ended and claim what is due and there is room for, in
        one transaction, then start the attempts; how many were claimed.

        If the transaction fails for anything but the database's availability (which
        `transact` waits out), the answers are dropped rather than failing every round: their
        deliveries are attempted again once their leases run out."""
        ended, self._ended = self._ended, []
        room = 0 if self._stopping else self.concurrency - len(self._attempts)
        if not ended and room <= 0:
            return 0
        now = time.time()
        claim = Claim(
            now=now,
            limit=room,
            lease_until=now + self.poster.timeout + LEASE_MARGIN_SECONDS,
            per_target=self.host_concurrency,
            busy=dict(self._busy),
        )
        work = functools.partial(
            _record_and_claim, ended=ended, claim=claim, schedule=self.schedule
        )
        try:
            attempts = await transact(self.sessions, work, what="webhooks: claiming deliveries")
        except asyncio.CancelledError:
            self._ended[:0] = ended  # recorded by `stop`
            raise
        self.attempted += len(attempts)
        for attempt in attempts:
            self._busy[attempt.delivery.target] += 1
            task = asyncio.create_task(self._attempt_safely(attempt))
            self._attempts.add(task)
            task.add_done_callback(functools.partial(self._finished, attempt.delivery.target))
        return len(attempts)

    def _finished(self, target: str, task: asyncio.Task[None]) -> None:
        self._attempts.discard(task)
        self._busy[target] -= 1
        if self._busy[target] <= 0:
            del self._busy[target]
        self._wake.set()

    # ------------------------------------------------------------------ one attempt

    async def _attempt_safely(self, attempt: Attempt) -> None:
        """Attempt, and leave the answer to be recorded with the next claim."""
        try:
            with about_job(attempt.delivery.job_id):
                answer = await self._attempt(attempt)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug, or the job could not be rendered: try again later
            log.exception("webhooks: delivery %d failed before sending", attempt.delivery.id)
            answer = Answer(Verdict.RETRY, error=f"could not prepare the body ({exc!r})"[:500])
        self._ended.append((attempt.delivery, answer))

    async def _attempt(self, attempt: Attempt) -> Answer:
        if attempt.job is None:
            return Answer(Verdict.REFUSED, error="the job no longer exists")
        body = json.dumps(
            event_body(attempt.event, await self.render(attempt.job)),
            separators=(",", ":"),
            ensure_ascii=False,
        )
        headers = signed_headers(attempt.secret, attempt.event.id, body, datetime.now(UTC))
        return await self.poster.post(attempt.delivery.url, body.encode(), headers)


@dataclass(frozen=True)
class Claim:
    """What a sender has room for: `limit` deliveries, `per_target` per target counting
    the `busy` attempts it holds, leased until `lease_until`."""

    now: float
    limit: int
    lease_until: float
    per_target: int
    busy: dict[str, int]


async def _record_and_claim(
    session: AsyncSession,
    *,
    ended: Sequence[tuple[Claimed, Answer]],
    claim: Claim,
    schedule: Sequence[float],
) -> list[Attempt]:
    """One unit of work: record how the ended attempts went, then lease due deliveries
    (the next events of jobs whose delivery just ended among them), with their events and
    signing secrets. A key's secret for the URLs its requests give is made here when first
    needed."""
    await record(session, ended, schedule)
    claimed = await ClaimRepository(session).claim_due(
        claim.now, claim.limit, claim.lease_until, per_target=claim.per_target, busy=claim.busy
    )
    if not claimed:
        return []
    events = await DeliveryRepository(session).events([c.event_seq for c in claimed])
    jobs = await JobRepository(session).get_many(sorted({c.job_id for c in claimed}))
    receivers = ReceiverRepository(session)
    endpoints = sorted({c.endpoint_id for c in claimed if c.endpoint_id is not None})
    endpoint_secrets = await receivers.endpoint_secrets(endpoints) if endpoints else {}
    keys = sorted({c.owner_key_id for c in claimed if c.endpoint_id is None})
    key_secrets = await receivers.key_secrets(keys, new_secret) if keys else {}
    return [
        Attempt(
            c,
            events[c.event_seq],
            endpoint_secrets[c.endpoint_id] if c.endpoint_id else key_secrets[c.owner_key_id],
            jobs.get(c.job_id),
        )
        for c in claimed
    ]


class Webhooks:
    """A worker's fan-out and sender, started and stopped together (`WorkerRuntime`)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        gate: AddressGate,
        render: StatusRenderer,
    ) -> None:
        self.poster = WebhookPoster(
            gate,
            timeout=settings.webhook_timeout_seconds,
            max_connections=settings.webhook_concurrency,
        )
        self.sender = WebhookSender(
            sessions,
            self.poster,
            render,
            schedule=settings.webhook_retry_schedule,
            concurrency=settings.webhook_concurrency,
            host_concurrency=settings.webhook_host_concurrency,
            poll_seconds=settings.webhook_poll_seconds,
        )
        self.fanout = FanOut(
            sessions, poll_seconds=settings.webhook_poll_seconds, on_deliveries=self.sender.wake
        )

    def loops(self) -> list[Coroutine[Any, Any, None]]:
        return [self.fanout.run(), self.sender.run()]

    async def stop(self, grace_seconds: float) -> None:
        self.fanout.stop()
        await self.sender.stop(grace_seconds)
        await self.poster.aclose()
