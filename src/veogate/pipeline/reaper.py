"""Heartbeats, and taking over the jobs of workers that died for good.

Every worker beats every `heartbeat_seconds`. A worker silent for longer than
`dead_worker_grace_seconds` is dead: one live worker claims it (an atomic update, so only
one does) and resumes its pending workflows through DBOS. Resumed workflows replay their
checkpoints, so finished steps — a paid upstream submit above all — are not repeated.

A worker that was only slow (paused longer than the grace period) would then share its
jobs with the taker: keep the grace period well above any pause you expect.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from dbos import DBOS
from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.transactions import scoped, transact
from veogate.jobs.repository import JobRepository
from veogate.pipeline.executors import ExecutorRepository
from veogate.pipeline.queues import queue_name
from veogate.wiring import Services

log = logging.getLogger(__name__)
T = TypeVar("T")


class Reaper:
    def __init__(self, services: Services, executor_id: str) -> None:
        self.services = services
        self.executor_id = executor_id

    async def register(self) -> None:
        host = socket.gethostname()
        await self._write(
            lambda s: ExecutorRepository(s).register(self.executor_id, host, datetime.now(UTC)),
            "registering",
        )

    async def beat(self) -> None:
        await self._write(
            lambda s: ExecutorRepository(s).beat(self.executor_id, datetime.now(UTC)), "beating"
        )

    async def stopped(self) -> None:
        await self._write(
            lambda s: ExecutorRepository(s).stopped(self.executor_id, datetime.now(UTC)),
            "recording its stop",
        )

    async def _write(self, work: Callable[[AsyncSession], Awaitable[T]], what: str) -> T:
        return await transact(
            self.services.sessions, work, what=f"worker {self.executor_id}: {what}"
        )

    async def take_over_dead(self) -> int:
        """Resume the pending workflows of every dead worker this one claims. Returns how many."""
        now = datetime.now(UTC)
        cutoff = now - timedelta(seconds=self.services.settings.dead_worker_grace_seconds)
        async with scoped(self.services.sessions) as session:
            silent = await ExecutorRepository(session).silent_since(cutoff)
        resumed = 0
        for dead in silent:
            if dead == self.executor_id:
                continue
            claim = functools.partial(self._claim, dead=dead, cutoff=cutoff, now=now)
            claimed = await self._write(claim, f"claiming {dead}")
            if not claimed:
                continue
            resumed += await self._resume_from(dead)
        return resumed

    async def _claim(
        self, session: AsyncSession, *, dead: str, cutoff: datetime, now: datetime
    ) -> bool:
        return await ExecutorRepository(session).claim(dead, self.executor_id, cutoff, now)

    async def _resume_from(self, dead: str) -> int:
        pending = await DBOS.list_workflows_async(status="PENDING", executor_id=dead)
        providers = await self._providers([w.workflow_id for w in pending])
        for workflow in pending:
            provider = providers.get(workflow.workflow_id)
            queue = queue_name(provider) if provider else workflow.queue_name
            await DBOS.resume_workflow_async(workflow.workflow_id, queue_name=queue)
        if pending:
            log.warning(
                "worker %s is gone: %s resumed its %d jobs", dead, self.executor_id, len(pending)
            )
        return len(pending)

    async def _providers(self, job_ids: list[str]) -> dict[str, str]:
        async with scoped(self.services.sessions) as session:
            repo = JobRepository(session)
            found = {}
            for job_id in job_ids:
                job = await repo.get(job_id)
                if job is not None:
                    found[job_id] = job.provider
            return found

    async def run_forever(self, reconcile: Callable[[], Awaitable[None]]) -> None:
        """Beat; every so often take over dead workers and reconcile orphan jobs."""
        settings = self.services.settings
        last_reap = last_reconcile = 0.0
        loop = asyncio.get_running_loop()
        while True:
            try:
                await self.beat()
                if loop.time() - last_reap >= settings.heartbeat_seconds:
                    last_reap = loop.time()
                    await self.take_over_dead()
                if loop.time() - last_reconcile >= settings.reconcile_seconds:
                    last_reconcile = loop.time()
                    await reconcile()
            except Exception:
                log.exception("worker upkeep failed; will retry")
            await asyncio.sleep(settings.heartbeat_seconds)
