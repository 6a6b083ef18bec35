"""The state of record: our own tables (DBOS keeps its own for workflow checkpoints)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    dialect: Mapped[str] = mapped_column(String(20))
    public_model: Mapped[str] = mapped_column(String(100), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    provider: Mapped[str] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(100))
    error_message: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    files_expired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    upstream_operation: Mapped[str | None] = mapped_column(String(500))
    submit_attempt: Mapped[int | None]
    """The last upstream submit attempt that was (or may have been) sent."""
    billable_seconds: Mapped[float | None]
    cost_usd: Mapped[float | None]
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When a worker handed the job to the workflow engine (None: still in the inbox)."""

    __table_args__ = (
        Index("ix_jobs_model_finished", "public_model", "status", "finished_at"),
        Index(
            "ix_jobs_inbox",
            "created_at",
            sqlite_where=text("status = 'queued' AND dispatched_at IS NULL"),
            postgresql_where=text("status = 'queued' AND dispatched_at IS NULL"),
        ),
    )


class JobOutputRow(Base):
    __tablename__ = "job_outputs"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    index: Mapped[int] = mapped_column(Integer, primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    frame_count: Mapped[int] = mapped_column(Integer)
    fps: Mapped[float]
    duration_seconds: Mapped[float]
    has_audio: Mapped[bool]


class IdempotencyKeyRow(Base):
    __tablename__ = "idempotency_keys"

    owner_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobEventRow(Base):
    """An append-only history of what happened to a job (and how often)."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobInputRow(Base):
    """Which stored input objects a job uses (inputs are shared by content hash)."""

    __tablename__ = "job_inputs"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    storage_key: Mapped[str] = mapped_column(String(300), primary_key=True, index=True)


class ExecutorRow(Base):
    """A worker process's heartbeat. A worker silent past the grace period is taken over:
    `reaped_by` records which live worker resumed its jobs (once)."""

    __tablename__ = "executors"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reaped_by: Mapped[str | None] = mapped_column(String(200))
    reaped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UpstreamOperationRow(Base):
    """An upstream operation veogate is waiting on: the poller's schedule for it.

    Written with the operation's name by the submit step, in the same transaction; removed in
    the transaction that ends the job. Times are seconds since the epoch: this table is
    scheduling data, compared and ordered on every poller tick.
    """

    __tablename__ = "upstream_operations"

    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True)
    provider: Mapped[str] = mapped_column(String(50))
    operation: Mapped[str] = mapped_column(String(500))
    submitted_at: Mapped[float] = mapped_column(Float)
    deadline_at: Mapped[float] = mapped_column(Float)
    due_at: Mapped[float] = mapped_column(Float)
    """When to look next; while a poller holds the operation, the end of its lease."""
    interval_seconds: Mapped[float] = mapped_column(Float)
    expected_seconds: Mapped[float] = mapped_column(Float)
    """How long the model usually takes: progress is estimated from it when Google says
    nothing."""
    polls: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    """Failed looks in a row (polls or downloads); reset by a good one."""

    __table_args__ = (Index("ix_upstream_operations_due", "provider", "due_at"),)
