"""Rows of the jobs tables as the canonical models (ORM objects or Core rows alike)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from veogate.jobs.model import Job, JobSpec, JobStatus, Output


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every one we store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _maybe_utc(value: datetime | None) -> datetime | None:
    return None if value is None else as_utc(value)


def to_job(row: Any, outputs: Sequence[Any]) -> Job:
    """A `Job` from a jobs row and its output rows (ORM objects or Core rows alike)."""
    return Job(
        id=row.id,
        owner_key_id=row.owner_key_id,
        dialect=row.dialect,
        spec=JobSpec.model_validate(row.spec),
        status=JobStatus(row.status),
        progress=row.progress,
        provider=row.provider,
        error_code=row.error_code,
        error_message=row.error_message,
        warnings=list(row.warnings or []),
        outputs=[_to_output(o) for o in sorted(outputs, key=lambda o: o.index)],
        created_at=as_utc(row.created_at),
        started_at=_maybe_utc(row.started_at),
        finished_at=_maybe_utc(row.finished_at),
        files_expired_at=_maybe_utc(row.files_expired_at),
        deleted_at=_maybe_utc(row.deleted_at),
        callback_url=row.callback_url,
        upstream_operation=row.upstream_operation,
        billable_seconds=row.billable_seconds,
        cost=row.cost,
    )


def _to_output(row: Any) -> Output:
    return Output(
        index=row.index,
        storage_key=row.storage_key,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        width=row.width,
        height=row.height,
        frame_count=row.frame_count,
        fps=row.fps,
        duration_seconds=row.duration_seconds,
        has_audio=row.has_audio,
    )
