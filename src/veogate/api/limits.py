"""Per-key request rate limit (token bucket, in this process's memory)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from veogate.errors import RateLimited
from veogate.metrics import observe


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """At most `per_minute` creates per API key, refilled continuously; 0 turns it off.

    The state is per process: with several API processes each enforces the limit on its
    own share of the traffic. The active-jobs quota, kept in the database, is global.
    """

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key_id: str, *, now: float | None = None) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        bucket = self._buckets.setdefault(key_id, _Bucket(float(self.per_minute), now))
        bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        if bucket.tokens < 1.0:
            wait = math.ceil((1.0 - bucket.tokens) / rate)
            observe.create_refused(RateLimited.code)
            raise RateLimited(
                f"rate limit of {self.per_minute} requests per minute reached; retry in {wait}s",
                retry_after=wait,
            )
        bucket.tokens -= 1.0
