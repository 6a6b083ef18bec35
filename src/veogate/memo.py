"""Remembering an answer for a few seconds, so hot read paths skip a query.

A relay's clients poll job status in loops, each request carrying the same API key and
asking about the same few models. `TtlMemo` keeps each computed answer `ttl_seconds` (at most
`max_entries` keys, least recently used dropped first; 0 turns it off). Used for:

- API keys (`Services.callers`, `VEOGATE_AUTH_CACHE_SECONDS`): only known, active keys are
  remembered (a lookup that raises is not), so a revoked key keeps working for up to the TTL
  in a process that had just seen it;
- apimart's `estimated_time` (`Services.estimates`): the mean run time of a model's recent
  jobs, recomputed at most every 30 s instead of on every status read.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TtlMemo(Generic[K, V]):
    def __init__(self, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()

    async def get(self, key: K, compute: Callable[[], Awaitable[V]]) -> V:
        """The remembered answer for `key`, else `compute()` (remembered if it returns)."""
        if self.ttl_seconds <= 0:
            return await compute()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[1] > now:
            self._entries.move_to_end(key)
            return entry[0]
        value = await compute()
        self._entries[key] = (value, now + self.ttl_seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return value

    def forget(self, key: K) -> None:
        """Drop what is remembered for `key`: the next `get` computes it afresh."""
        self._entries.pop(key, None)
