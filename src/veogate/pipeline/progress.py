"""Write a running job's progress to its row, throttled, from provider callbacks."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from veogate.db.transactions import transact
from veogate.jobs.repository import JobRepository
from veogate.pipeline.context import services

MIN_INTERVAL_SECONDS = 0.5


class ProgressWriter:
    """Maps a sample's fraction to the job's 0..99 percent and records it now and then.

    Called on the event loop thread; each write runs as its own short transaction.
    100 is only ever written together with the outputs.
    """

    def __init__(self, job_id: str, sample_index: int, sample_count: int) -> None:
        self.job_id = job_id
        self.sample_index = sample_index
        self.sample_count = sample_count
        self._last_percent = -1
        self._last_write = 0.0
        self._tasks: set[asyncio.Task[None]] = set()

    def __call__(self, fraction: float) -> None:
        overall = (self.sample_index + max(0.0, min(1.0, fraction))) / self.sample_count
        percent = min(99, int(overall * 100))
        now = time.monotonic()
        if percent <= self._last_percent or now - self._last_write < MIN_INTERVAL_SECONDS:
            return
        self._last_percent, self._last_write = percent, now
        task = asyncio.get_running_loop().create_task(self._write(percent))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, percent: int) -> None:
        await transact(
            services().sessions,
            lambda s: JobRepository(s).set_progress(self.job_id, percent, datetime.now(UTC)),
            what=f"job {self.job_id}: recording progress",
        )

    async def flush(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
