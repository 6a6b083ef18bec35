"""Waiting on upstream operations: one poller per credential, many operations per look.

A submitted operation is a row (`operations.py`), not a sleeping workflow: waiting costs no
memory, no task and no checkpoint. Each poller claims the operations of its credential that
are due, up to `slots` at a time, looks at each (`RemoteVideoProvider.poll`, a cheap call),
and writes the next due times of the whole batch in one transaction.

    not done             next look after the interval (initial, then x backoff, capped),
                         never later than the deadline; progress recorded
    done, with videos    collected (download, remux, store; at most `downloads` jobs at
                         once per process) and the job succeeds, all in one transaction
                         with the removal of its row
    done, without        the job fails (filtered, upstream error), likewise
    look failed          retryable: backoff, up to `upstream_max_attempts` failures in a
                         row; otherwise (or then) the job fails with the reason
    past the deadline    the job fails (`deadline_exceeded`)

Crash safety comes from the rows: a claim is a lease, so operations held by a poller that
died are looked at again by any poller once it runs out; collecting twice stores the same
keys and records the end once (the job's state guards it).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.transactions import transact
from veogate.errors import GenerationError
from veogate.jobs.model import JobStatus, Output
from veogate.jobs.repository import JobRepository
from veogate.logs import about_job
from veogate.metrics import observe
from veogate.pipeline.backoff import backoff_seconds, current_policy
from veogate.pipeline.collect import Verdict, collect, verdict
from veogate.pipeline.operations import Next, OperationRepository, Watched
from veogate.pipeline.outcomes import ended_as, record_failure, record_success
from veogate.providers.remote import PollResult, RemoteVideoProvider
from veogate.wiring import Services

log = logging.getLogger(__name__)
T = TypeVar("T")

TICK_SECONDS = 0.25
"""How often a poller claims due operations (sooner while it has a backlog)."""
LOOK_LEASE_MARGIN_SECONDS = 30.0
"""A claim lasts the upstream request timeout plus this."""
COLLECT_LEASE_SECONDS = 60.0
"""How long a poller's hold on an operation whose videos it downloads lasts; renewed every
third of that while the download runs, so a poller killed mid-download leaves the operation
to the others (or to itself, restarted) within a minute."""
_DEADLINE = "the job did not finish before its deadline"


class UpstreamPoller:
    """Looks after one credential's operations in this process."""

    def __init__(
        self,
        services: Services,
        provider: str,
        remote: RemoteVideoProvider,
        *,
        slots: int,
        downloads: asyncio.Semaphore,
    ) -> None:
        self.services = services
        self.provider = provider
        self.remote = remote
        self.slots = slots
        self.downloads = downloads
        self._looking: set[asyncio.Task[None]] = set()
        self._next: list[Next] = []
        self._room = asyncio.Event()
        self._stopping = False

    # ------------------------------------------------------------------ the loop

    async def run(self) -> None:
        """Claim and look until `stop`; a failing tick is logged and tried again."""
        loop = asyncio.get_running_loop()
        while not self._stopping:
            began = loop.time()
            try:
                backlog = await self._tick()
            except Exception:
                log.exception("poller %s: tick failed; trying again", self.provider)
                backlog = False
            await self._pace(began, backlog)
        await self._flush()

    async def _pace(self, began: float, backlog: bool) -> None:
        """Wait for the next tick, so that one claim (and one flush of next due times)
        covers every operation that came due meanwhile, never one transaction per look.

        With a backlog (the last claim filled every free slot) the next tick comes as soon
        as half the slots are free; otherwise `TICK_SECONDS` after the last one began, once
        a slot is free."""
        loop = asyncio.get_running_loop()
        while not self._stopping:
            free = self.slots - len(self._looking)
            if backlog and free >= max(1, self.slots // 2):
                return
            if not backlog and free > 0:
                wait = began + TICK_SECONDS - loop.time()
                if wait <= 0:
                    return
                await asyncio.sleep(wait)
                continue
            self._room.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._room.wait(), TICK_SECONDS)

    async def stop(self, grace_seconds: float) -> None:
        """Take no more; let looks in progress finish within the grace period."""
        self._stopping = True
        self._room.set()
        if self._looking:
            await asyncio.wait(set(self._looking), timeout=grace_seconds)
        for task in list(self._looking):
            task.cancel()
        await self._flush()

    async def _tick(self) -> bool:
        """Flush next due times, claim what is due; True if the claim filled every free
        slot (more may be due now)."""
        await self._flush()
        room = self.slots - len(self._looking)
        if room <= 0 or self._stopping:
            return False
        now = time.time()
        lease = now + self.services.settings.google_request_timeout_seconds
        lease += LOOK_LEASE_MARGIN_SECONDS
        claimed = await self._db(
            lambda s: OperationRepository(s).claim_due(self.provider, now, room, lease),
            "claiming due operations",
        )
        for watched in claimed:
            task = asyncio.create_task(self._look_safely(watched))
            self._looking.add(task)
            task.add_done_callback(self._looked)
        return len(claimed) >= room

    def _looked(self, task: asyncio.Task[None]) -> None:
        self._looking.discard(task)
        self._room.set()

    async def _flush(self) -> None:
        if not self._next:
            return
        batch, self._next = self._next, []
        await self._db(lambda s: OperationRepository(s).reschedule(batch), "rescheduling looks")

    async def _db(self, work: Callable[[AsyncSession], Awaitable[T]], what: str) -> T:
        return await transact(self.services.sessions, work, what=f"poller {self.provider}: {what}")

    # ------------------------------------------------------------------ one operation

    async def _look_safely(self, watched: Watched) -> None:
        try:
            with about_job(watched.job_id):
                await self._look(watched)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug: keep the row, look again later
            log.exception("poller %s: looking at job %s failed", self.provider, watched.job_id)
            self._retry_later(watched, None)

    async def _look(self, watched: Watched) -> None:
        try:
            result = await self.remote.poll(watched.operation)
        except GenerationError as exc:
            observe.upstream_error(self.provider, "poll", exc.code)
            if time.time() >= watched.deadline_at:
                await self._fail(watched, "deadline_exceeded", _DEADLINE)
            else:
                await self._failed_look(watched, exc)
            return
        if not result.done:
            now = time.time()
            if now >= watched.deadline_at:
                await self._fail(watched, "deadline_exceeded", _DEADLINE)
            else:
                self._next.append(self._later(watched, result, now))
            return
        samples = await self._samples_asked(watched.job_id)
        if samples is None:
            return  # the job is gone
        outcome = verdict(result, samples)
        if outcome.failure is not None:
            observe.upstream_error(self.provider, "operation", outcome.failure[0])
            await self._fail(watched, *outcome.failure)
            return
        await self._collect(watched, outcome)

    def _later(self, watched: Watched, result: PollResult, now: float) -> Next:
        settings = self.services.settings
        interval = watched.interval_seconds
        if watched.polls > 0:
            interval = min(settings.poll_max_seconds, interval * settings.poll_backoff)
        fraction = result.progress
        if fraction is None:
            fraction = (now - watched.submitted_at) / max(1.0, watched.expected_seconds)
        return Next(
            watched.job_id,
            due_at=min(now + interval, watched.deadline_at),
            interval_seconds=interval,
            polls=watched.polls + 1,
            errors=0,
            progress=min(95, int(fraction * 100)),
        )

    async def _failed_look(self, watched: Watched, exc: GenerationError) -> None:
        errors = watched.errors + 1
        attempts = self.services.settings.upstream_max_attempts
        if not exc.retryable:
            await self._fail(watched, exc.code, exc.message)
        elif errors >= attempts:
            await self._fail(watched, exc.code, f"{exc.message} (gave up after {errors} attempts)")
        else:
            self._retry_later(watched, exc)

    def _retry_later(self, watched: Watched, exc: GenerationError | None) -> None:
        errors = watched.errors + 1
        retry_after = getattr(exc, "retry_after_seconds", None)
        policy = current_policy(self.services.settings)
        wait = backoff_seconds(watched.job_id, "poll", errors, policy, retry_after)
        self._next.append(
            Next(
                watched.job_id,
                due_at=min(time.time() + wait, watched.deadline_at),
                interval_seconds=watched.interval_seconds,
                polls=watched.polls + 1,
                errors=errors,
            )
        )

    async def _samples_asked(self, job_id: str) -> int | None:
        async def read(session: AsyncSession) -> int | None:
            job = await JobRepository(session).get(job_id)
            return None if job is None else job.spec.sample_count

        return await self._db(read, f"reading job {job_id}")

    # ------------------------------------------------------------------ ends

    async def _fail(self, watched: Watched, code: str, message: str) -> None:
        await self._db(
            functools.partial(record_failure, job_id=watched.job_id, code=code, message=message),
            f"failing job {watched.job_id}",
        )

    @contextlib.asynccontextmanager
    async def _held(self, job_id: str) -> AsyncIterator[None]:
        """The operation held for this poller while the body runs (a renewed lease)."""

        async def hold() -> None:
            until = time.time() + COLLECT_LEASE_SECONDS
            await self._db(lambda s: OperationRepository(s).hold(job_id, until), "holding")

        async def renew() -> None:
            while True:  # until cancelled, when the body is done
                await asyncio.sleep(COLLECT_LEASE_SECONDS / 3)
                await hold()

        await hold()
        renewing = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def _collect(self, watched: Watched, outcome: Verdict) -> None:
        job_id = watched.job_id
        async with self.downloads:
            try:
                async with self._held(job_id):
                    outputs = await collect(self.services, self.remote, job_id, outcome.samples)
            except GenerationError as exc:
                observe.upstream_error(self.provider, "download", exc.code)
                await self._failed_look(watched, exc)
                return
        recorded = await self._db(
            functools.partial(
                record_success, job_id=job_id, outputs=outputs, warnings=outcome.warnings
            ),
            f"recording job {job_id}",
        )
        if not recorded:
            await self._discard(job_id, outputs)

    async def _discard(self, job_id: str, outputs: list[Output]) -> None:
        """The job ended meanwhile (cancelled): drop what was stored, unless another poller
        collected it too and recorded the success (same keys)."""
        status = await self._db(lambda s: ended_as(s, job_id), f"reading job {job_id}")
        if status is JobStatus.SUCCEEDED:
            return
        for output in outputs:
            await self.services.store.delete(output.storage_key)
