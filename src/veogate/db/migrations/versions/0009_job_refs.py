"""jobs.ref: the id's ULID in lowercase, so every dialect's spelling of an id finds the job

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ref", sa.String(length=26), nullable=True))
    # Every id written so far ends with its ULID (`veogate.ids.new_id`).
    op.execute("UPDATE jobs SET ref = lower(substr(id, length(id) - 25))")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.alter_column("ref", existing_type=sa.String(length=26), nullable=False)
        batch_op.create_unique_constraint("uq_jobs_ref", ["ref"])


def downgrade() -> None:
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_constraint("uq_jobs_ref", type_="unique")
        batch_op.drop_column("ref")
