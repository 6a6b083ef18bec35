"""Retry and polling policy: what is configured, and how long to wait before trying again."""

from __future__ import annotations

import hashlib

from veogate.config import Settings
from veogate.pipeline.results import Policy


def current_policy(settings: Settings) -> Policy:
    return {
        "max_attempts": settings.upstream_max_attempts,
        "retry_base": settings.upstream_retry_base_seconds,
        "retry_max": settings.upstream_retry_max_seconds,
        "poll_initial": settings.poll_initial_seconds,
        "poll_max": settings.poll_max_seconds,
        "poll_backoff": settings.poll_backoff,
    }


def jitter(job_id: str, what: str, attempt: int) -> float:
    """A stable fraction in [0, 1) for this job, purpose and attempt (replays agree)."""
    digest = hashlib.sha256(f"{job_id}:{what}:{attempt}".encode()).digest()
    return digest[0] / 256


def backoff_seconds(
    job_id: str, what: str, attempt: int, policy: Policy, retry_after: float | None
) -> float:
    """Exponential backoff with deterministic jitter, capped; never shorter than Retry-After
    (the job's deadline still bounds the whole wait)."""
    base = min(policy["retry_max"], policy["retry_base"] * 2**attempt)
    jittered = base * (0.5 + jitter(job_id, what, attempt) * 256 / 510)  # 50%..100% of it
    return float(max(min(policy["retry_max"], jittered), retry_after or 0.0))
