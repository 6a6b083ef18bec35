"""Queue names and limits, shared by workers (which run them) and API processes (which
enqueue into them)."""

from __future__ import annotations

from typing import Any

from veogate.providers.registry import Member

APP_VERSION = "veogate-1"
"""One application version for every process, so any worker may run any job."""
WORKFLOW_NAME = "veogate.run_job"


def queue_name(provider: str) -> str:
    """Each provider (one per credential) has its own queue, with its own limits."""
    return f"veogate-{provider}"


def queue_limits(member: Member, poll_seconds: float) -> dict[str, Any]:
    rpm = member.requests_per_minute
    return {
        "worker_concurrency": member.concurrency,
        "limiter": {"limit": rpm, "period": 60.0} if rpm else None,
        "polling_interval_sec": poll_seconds,
        "on_conflict": "always_update",
    }
