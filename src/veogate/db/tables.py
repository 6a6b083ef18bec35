"""The state of record: our own tables (DBOS keeps its own for workflow checkpoints)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
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


class _KeyColumns:
    """What every kind of key stores: never the secret, only its SHA-256 (`auth/keys.py`)."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20))
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKeyRow(_KeyColumns, Base):
    __tablename__ = "api_keys"

    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    """Signs webhooks sent to the URLs given per request (`whsec_...`; made when first needed)."""
    # The key's account (`veogate.ledger`): amounts are micro-credits (1 credit = 1,000,000).
    metered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    """A metered key needs the balance to cover a job's reservation; an unmetered one does
    not (its usage is recorded all the same)."""
    balance: Mapped[int] = mapped_column(BigInteger, default=0, server_default=text("0"))
    """The sum of the key's ledger entries, kept with every entry (written only by the
    ledger; `veogate credits check` compares the two)."""
    daily_limit: Mapped[int | None] = mapped_column(BigInteger)
    """Most credits reserved per UTC day, net of what was returned (None: no limit)."""
    monthly_limit: Mapped[int | None] = mapped_column(BigInteger)
    max_active_jobs: Mapped[int | None] = mapped_column(Integer)
    """Queued + running jobs at once (None: `VEOGATE_MAX_ACTIVE_JOBS_PER_KEY`)."""
    creates_per_minute: Mapped[int | None] = mapped_column(Integer)
    """Jobs accepted per rolling minute, counted in the database (None: no limit)."""
    allowed_models: Mapped[list[str] | None] = mapped_column(JSON)
    """Public model names the key may use (None: every model)."""


class AdminKeyRow(_KeyColumns, Base):
    """An operator's key for the admin API (`veogate admin create-key`): never a customer's
    API key, and never accepted by the dialects' routes."""

    __tablename__ = "admin_keys"


class JobRow(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    ref: Mapped[str] = mapped_column(String(26), unique=True)
    """The id's ULID in lowercase: every dialect's spelling of the id resolves through it
    (`veogate.ids`)."""
    owner_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    """Indexed with `created_at` (listings, creates per minute) and with `status` (a key's
    live jobs, counted on every create)."""
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
    """Seconds the key was charged for, written with the ledger entry that closed the job's
    reservation (0 when it was released)."""
    cost: Mapped[float | None]
    """Credits the key was charged for the job (the same entry)."""
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When a worker handed the job to the workflow engine (None: still in the inbox)."""
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    """Where the request asked its terminal event to be sent (a webhook)."""
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """Deleted by its owner: files gone, reads answer 404; the row stays for the record."""

    __table_args__ = (
        Index("ix_jobs_model_finished", "public_model", "status", "finished_at"),
        Index("ix_jobs_owner_created", "owner_key_id", "created_at"),
        Index("ix_jobs_owner_status", "owner_key_id", "status"),
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
    """What happened to a job, in the order it was written: the outbox.

    Events (`jobs.lifecycle.EventType`, `owner_key_id` set) are written by
    `JobRepository` in the transaction of the change they report, and read by webhooks and
    server-sent events; `fanout` marks those not yet turned into webhook deliveries. Step
    notes (`StepNote`, `owner_key_id` NULL) are the pipeline's own trail.
    """

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(50))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    owner_key_id: Mapped[str | None] = mapped_column(String(40))
    fanout: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_job_events_owner", "owner_key_id", "id"),
        Index(
            "ix_job_events_fanout",
            "id",
            sqlite_where=text("fanout"),
            postgresql_where=text("fanout"),
        ),
    )


class WebhookEndpointRow(Base):
    """A URL an API key's events are sent to (`veogate webhooks add`)."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    secret: Mapped[str] = mapped_column(String(200))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    description: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebhookDeliveryRow(Base):
    """One event to send to one URL: its attempts and how they went.

    `endpoint_id` is NULL for a URL given with the request (`callback_url`). `next_at`
    (seconds since the epoch) is when the next attempt is due, and while a sender holds the
    delivery, the end of its lease.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("job_events.id", ondelete="CASCADE"))
    job_id: Mapped[str] = mapped_column(String(40), index=True)
    owner_key_id: Mapped[str] = mapped_column(String(40), index=True)
    endpoint_id: Mapped[str | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2048))
    target: Mapped[str] = mapped_column(String(300))
    """The URL's `scheme://host:port`: attempts in flight are capped per target."""
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_at: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_webhook_deliveries_due", "state", "next_at"),)


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


class LedgerEntryRow(Base):
    """One change of a key's balance, never updated or deleted (`veogate.ledger`).

    `amount` is signed micro-credits: a reservation is negative, its settlement returns what
    was not used, a release returns all of it. A job has at most one reservation and at most
    one entry closing it (the partial unique indexes), whatever crashes and retries happen.
    """

    __tablename__ = "ledger_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"))
    kind: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    job_id: Mapped[str | None] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    """Who made the entry: `system` (accept and the pipeline), `cli`, `admin:<admin key id>`."""
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_ledger_entries_key", "key_id", "id"),
        Index("ix_ledger_entries_key_at", "key_id", "at"),
        Index(
            "uq_ledger_entries_reserve",
            "job_id",
            unique=True,
            sqlite_where=text("kind = 'reserve'"),
            postgresql_where=text("kind = 'reserve'"),
        ),
        Index(
            "uq_ledger_entries_close",
            "job_id",
            unique=True,
            sqlite_where=text("kind IN ('settle', 'release')"),
            postgresql_where=text("kind IN ('settle', 'release')"),
        ),
    )


class ConsoleSessionRow(Base):
    """A signed-in console (`/console`): made from an admin key, found by the SHA-256 of the
    token in its cookie (the token itself is never stored). It ends when signed out, revoked,
    idle too long or too old, or when its admin key is revoked."""

    __tablename__ = "console_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    admin_key_id: Mapped[str] = mapped_column(ForeignKey("admin_keys.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    """Sent back in `X-CSRF-Token` by the console's state-changing requests; worthless
    without the cookie."""
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
