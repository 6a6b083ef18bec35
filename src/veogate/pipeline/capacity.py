"""How many operations each credential has in flight, against its cap.

Google limits submits per minute (the queue's rate limiter enforces that); the in-flight cap
is a guard rail, high by default. The count comes from the poller's table, read at most once
a `refresh_seconds` per credential and moved along by this process's own submits, so it
costs nothing per submit; with several workers it is a soft cap (each may overshoot it by
the submits it made within one refresh).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from veogate.pipeline.operations import OperationRepository


@dataclass
class _Count:
    value: int
    read_at: float


class InFlight:
    def __init__(self, refresh_seconds: float = 1.0) -> None:
        self.refresh_seconds = refresh_seconds
        self._counts: dict[str, _Count] = {}

    async def has_room(self, session: AsyncSession, provider: str, limit: int | None) -> bool:
        if limit is None:
            return True
        now = time.monotonic()
        count = self._counts.get(provider)
        if count is None or now - count.read_at >= self.refresh_seconds:
            count = _Count(await OperationRepository(session).count(provider), now)
            self._counts[provider] = count
        return count.value < limit

    def took(self, provider: str) -> None:
        """This process just started waiting on one more of `provider`'s operations."""
        count = self._counts.get(provider)
        if count is not None:
            count.value += 1
