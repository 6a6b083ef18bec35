"""upstream operations table (batched poller) and the job inbox

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_INBOX = sa.text("status = 'queued' AND dispatched_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "upstream_operations",
        sa.Column("job_id", sa.String(length=40), nullable=False),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("operation", sa.String(length=500), nullable=False),
        sa.Column("submitted_at", sa.Float(), nullable=False),
        sa.Column("deadline_at", sa.Float(), nullable=False),
        sa.Column("due_at", sa.Float(), nullable=False),
        sa.Column("interval_seconds", sa.Float(), nullable=False),
        sa.Column("expected_seconds", sa.Float(), nullable=False),
        sa.Column("polls", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_upstream_operations_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_upstream_operations")),
    )
    op.create_index(
        "ix_upstream_operations_due", "upstream_operations", ["provider", "due_at"], unique=False
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True))
    # Jobs accepted before this revision were enqueued by the API process itself.
    op.execute("UPDATE jobs SET dispatched_at = created_at")
    op.create_index(
        "ix_jobs_inbox",
        "jobs",
        ["created_at"],
        unique=False,
        sqlite_where=_INBOX,
        postgresql_where=_INBOX,
    )


def downgrade() -> None:
    op.drop_index("ix_jobs_inbox", table_name="jobs")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("dispatched_at")
    op.drop_index("ix_upstream_operations_due", table_name="upstream_operations")
    op.drop_table("upstream_operations")
