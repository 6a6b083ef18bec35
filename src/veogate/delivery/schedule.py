"""When a webhook delivery is attempted again, and what a receiver's `Retry-After` means.

Pure rules: no I/O. The schedule lists the wait before each attempt (Standard Webhooks':
at once, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h; `webhook_retry_schedule`);
after its last attempt fails, a delivery is given up (`failed`) until someone redelivers it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_AFTER_CAP_SECONDS = 86_400.0
"""A receiver may ask for at most a day's rest before the next attempt."""


def next_wait(
    attempts_made: int, schedule: Sequence[float], retry_after: float | None = None
) -> float | None:
    """Seconds until the next attempt after `attempts_made` attempts failed; None once the
    schedule is used up. A receiver's `Retry-After` may lengthen the wait, never shorten it."""
    if attempts_made >= len(schedule):
        return None
    wait = schedule[attempts_made]
    if retry_after is not None:
        wait = max(wait, min(retry_after, RETRY_AFTER_CAP_SECONDS))
    return wait


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """A `Retry-After` header (delay-seconds or an HTTP date) as seconds from `now`; None if
    absent or unreadable."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None
