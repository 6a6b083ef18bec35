"""The retry schedule and `Retry-After` (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from veogate.config import DEFAULT_WEBHOOK_SCHEDULE, get_settings
from veogate.delivery.schedule import RETRY_AFTER_CAP_SECONDS, next_wait, parse_retry_after

HOUR = 3600.0


def test_the_default_schedule_is_the_specs() -> None:
    assert get_settings().webhook_retry_schedule == list(DEFAULT_WEBHOOK_SCHEDULE)
    # The first attempt goes at once; after attempt n fails, the wait before attempt n + 1:
    waits = [next_wait(n, DEFAULT_WEBHOOK_SCHEDULE) for n in range(1, 10)]
    assert waits == [5, 300, 1800, 2 * HOUR, 5 * HOUR, 10 * HOUR, 14 * HOUR, 20 * HOUR, 24 * HOUR]
    assert next_wait(10, DEFAULT_WEBHOOK_SCHEDULE) is None  # ten attempts, then failed


def test_retry_after_lengthens_never_shortens_and_is_capped() -> None:
    schedule = [0, 5, 300]
    assert next_wait(1, schedule, retry_after=60) == 60
    assert next_wait(2, schedule, retry_after=60) == 300
    assert next_wait(1, schedule, retry_after=10 * 86_400) == RETRY_AFTER_CAP_SECONDS
    assert next_wait(3, schedule, retry_after=1) is None


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), (" 7 ", 7.0), ("soon", None), ("-5", None), ("", None), (None, None)],
)
def test_retry_after_in_seconds(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(later, now) == 90.0
    earlier = format_datetime(now - timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(earlier, now) == 0.0
