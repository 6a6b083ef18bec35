"""Remembering who a key belongs to for a few seconds, so status polling costs no key lookup.

A relay's clients poll job status in loops; every request carries the same key. Each
answer is kept `ttl_seconds` (at most `max_entries` keys, least recently used dropped
first). Only known, active keys are remembered: an unknown key is looked up every time.
A revoked key therefore keeps working for up to `ttl_seconds` in processes that had just
seen it (0 turns the cache off).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from veogate.auth.keys import Caller


class CallerCache:
    def __init__(self, ttl_seconds: float, max_entries: int = 10_000) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._entries: OrderedDict[str, tuple[Caller, float]] = OrderedDict()

    async def caller(self, secret_hash: str, look_up: Callable[[], Awaitable[Caller]]) -> Caller:
        """The cached caller for `secret_hash`, else `look_up()` (which raises for bad keys)."""
        if self.ttl_seconds <= 0:
            return await look_up()
        now = time.monotonic()
        entry = self._entries.get(secret_hash)
        if entry is not None and entry[1] > now:
            self._entries.move_to_end(secret_hash)
            return entry[0]
        found = await look_up()
        self._entries[secret_hash] = (found, now + self.ttl_seconds)
        self._entries.move_to_end(secret_hash)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return found

    def forget(self, key_id: str) -> None:
        """Drop a key at once (it was revoked through this process)."""
        for secret_hash in [h for h, (c, _) in self._entries.items() if c.key_id == key_id]:
            del self._entries[secret_hash]
