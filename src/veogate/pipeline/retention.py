"""Delete stored results once their retention period ends, and say so on the job."""

from __future__ import annotations

import asyncio
import functools
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.db.transactions import scoped, transact
from veogate.jobs.repository import JobRepository
from veogate.jobs.retention_repository import RetentionRepository
from veogate.media.previews import preview_keys
from veogate.wiring import Services

log = logging.getLogger(__name__)


async def sweep(services: Services, *, now: datetime | None = None) -> int:
    """One pass: expire every job that ended before the retention cutoff. Returns how many."""
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=services.settings.retention_days)
    expired = 0
    while True:
        async with scoped(services.sessions) as session:
            batch = await RetentionRepository(session).expirable(cutoff)
        if not batch:
            return expired
        job_ids = [job_id for job_id, _ in batch]
        async with scoped(services.sessions) as session:
            unused_inputs = await RetentionRepository(session).inputs_only_used_by(job_ids)
        outputs = [k for _, keys in batch for k in keys]
        previews = [p for k in outputs for p in preview_keys(k)]
        for key in outputs + previews + unused_inputs:
            await services.store.delete(key)
        mark = functools.partial(_mark_expired, job_ids=job_ids, now=now)
        await transact(services.sessions, mark, what="retention: marking expired files")
        expired += len(batch)


async def _mark_expired(session: AsyncSession, *, job_ids: list[str], now: datetime) -> None:
    await JobRepository(session).mark_files_expired(job_ids, now)


async def run_forever(services: Services) -> None:
    interval = services.settings.retention_sweep_seconds
    while True:
        try:
            count = await sweep(services)
            if count:
                log.info("retention: deleted the files of %d jobs", count)
        except Exception:
            log.exception("retention sweep failed; will retry")
        await asyncio.sleep(interval)
