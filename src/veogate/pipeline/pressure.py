"""How busy the event loop is, so that work which can wait yields to requests.

`veogate serve` runs the API and the pipeline in one process. Python runs one thread at a
time, so every workflow the engine starts (its threads, its steps on the loop) takes time
from the requests being answered. Measured on the 2-core build machine, 32 clients creating
at full speed (`bench/bench_relay_load.py --part api`): with the engine starting workflows
meanwhile the loop's thread got 77 % of the process's time and a status read's p99 was
380-600 ms; with nothing started, 96 % and 55-90 ms.

Starting a job's workflow a few seconds later costs a relay nothing (jobs take minutes, and
Google's per-minute submit limit paces them anyway), so the dispatcher asks this monitor
before handing the inbox to the engine and waits while the loop is saturated, up to a
bound (`Dispatcher`). Saturation is read from the loop itself: a 50 ms sleep that keeps
waking late. The median of the last few samples is used, so one long callback (a batch
written, a collection) does not count as pressure, and a flood of requests does.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from collections import deque

SAMPLE_SECONDS = 0.05
SAMPLES = 5
BUSY_LAG_SECONDS = 0.01
"""A loop that answers a 50 ms timer 10 ms late, over and over, has a queue of work."""


class LoopPressure:
    def __init__(self) -> None:
        self._lags: deque[float] = deque(maxlen=SAMPLES)
        self._task: asyncio.Task[None] | None = None

    @property
    def busy(self) -> bool:
        """Whether most recent samples found the loop late (False before there are any)."""
        return len(self._lags) == SAMPLES and statistics.median(self._lags) > BUSY_LAG_SECONDS

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _sample(self) -> None:
        while True:
            asked = time.monotonic()
            await asyncio.sleep(SAMPLE_SECONDS)
            self._lags.append(max(0.0, time.monotonic() - asked - SAMPLE_SECONDS))
