"""job events as the outbox: event types, owner, fan-out flag; webhooks; job deletion

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_FANOUT = sa.text("fanout")
# PostgreSQL: every statement that writes events notifies the event hubs of all processes on
# commit (`delivery/hub.py`), in the server: no extra round trip for the writer.
_NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION veogate_notify_events() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('veogate_events', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
_NOTIFY_TRIGGER = (
    "CREATE TRIGGER job_events_notify AFTER INSERT ON job_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION veogate_notify_events()"
)
_RENAMED = {"started": "job.started", "succeeded": "job.succeeded", "failed": "job.failed"}


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("webhook_secret", sa.String(length=200), nullable=True))
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("callback_url", sa.String(length=2048), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("job_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("owner_key_id", sa.String(length=40), nullable=True))
        batch_op.add_column(
            sa.Column("fanout", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    # Events written before this revision keep their place in history, under the new names;
    # they are not delivered (fanout stays false).
    for old, new in _RENAMED.items():
        op.execute(
            sa.text("UPDATE job_events SET kind = :new WHERE kind = :old").bindparams(
                new=new, old=old
            )
        )
    op.execute(
        "UPDATE job_events SET owner_key_id = "
        "(SELECT owner_key_id FROM jobs WHERE jobs.id = job_events.job_id) "
        "WHERE kind LIKE 'job.%'"
    )
    op.create_index("ix_job_events_owner", "job_events", ["owner_key_id", "id"], unique=False)
    op.create_index(
        "ix_job_events_fanout",
        "job_events",
        ["id"],
        unique=False,
        sqlite_where=_FANOUT,
        postgresql_where=_FANOUT,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_NOTIFY_FUNCTION)
        op.execute(_NOTIFY_TRIGGER)
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("owner_key_id", sa.String(length=40), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("secret", sa.String(length=200), nullable=False),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_key_id"],
            ["api_keys.id"],
            name=op.f("fk_webhook_endpoints_owner_key_id_api_keys"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoints")),
    )
    op.create_index(
        op.f("ix_webhook_endpoints_owner_key_id"), "webhook_endpoints", ["owner_key_id"]
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("owner_key_id", sa.String(length=40), nullable=False),
        sa.Column("endpoint_id", sa.String(length=40), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["job_events.id"],
            name=op.f("fk_webhook_deliveries_event_id_job_events"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoints.id"],
            name=op.f("fk_webhook_deliveries_endpoint_id_webhook_endpoints"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_deliveries")),
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["state", "next_at"], unique=False
    )
    for column in ("job_id", "owner_key_id", "endpoint_id"):
        op.create_index(
            op.f(f"ix_webhook_deliveries_{column}"), "webhook_deliveries", [column], unique=False
        )


def downgrade() -> None:
    for column in ("job_id", "owner_key_id", "endpoint_id"):
        op.drop_index(op.f(f"ix_webhook_deliveries_{column}"), table_name="webhook_deliveries")
    op.drop_index("ix_webhook_deliveries_due", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_index(op.f("ix_webhook_endpoints_owner_key_id"), table_name="webhook_endpoints")
    op.drop_table("webhook_endpoints")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS job_events_notify ON job_events")
        op.execute("DROP FUNCTION IF EXISTS veogate_notify_events()")
    op.drop_index("ix_job_events_fanout", table_name="job_events")
    op.drop_index("ix_job_events_owner", table_name="job_events")
    for old, new in _RENAMED.items():
        op.execute(
            sa.text("UPDATE job_events SET kind = :old WHERE kind = :new").bindparams(
                new=new, old=old
            )
        )
    with op.batch_alter_table("job_events", schema=None) as batch_op:
        batch_op.drop_column("fanout")
        batch_op.drop_column("owner_key_id")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("callback_url")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("webhook_secret")
