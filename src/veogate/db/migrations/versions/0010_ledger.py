"""the credits ledger: key accounts (balance, limits) and append-only ledger entries;
jobs.cost_usd becomes jobs.cost (credits)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# Entries are never changed or removed: the database refuses it, whatever the code does.
_REFUSAL = "ledger entries are append-only"
_SQLITE_GUARDS = [
    f"CREATE TRIGGER ledger_entries_no_{verb} BEFORE {verb.upper()} ON ledger_entries "
    f"BEGIN SELECT RAISE(ABORT, '{_REFUSAL}'); END"
    for verb in ("update", "delete")
]
_POSTGRES_GUARDS = [
    "CREATE FUNCTION veogate_ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{_REFUSAL}'; END $$",
    "CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries "
    "FOR EACH ROW EXECUTE FUNCTION veogate_ledger_append_only()",
]


def upgrade() -> None:
    # Keys that existed before the ledger stay unmetered: they keep working as they did.
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("metered", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("balance", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("daily_limit", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("monthly_limit", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("max_active_jobs", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("creates_per_minute", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("allowed_models", sa.JSON(), nullable=True))
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.alter_column("cost_usd", new_column_name="cost")
        # A key's jobs by time (listings, creates per minute) and its live jobs (counted on
        # every create): both serve the lookups by key alone the old index served.
        batch_op.drop_index("ix_jobs_owner_key_id")
        batch_op.create_index("ix_jobs_owner_created", ["owner_key_id", "created_at"])
        batch_op.create_index("ix_jobs_owner_status", ["owner_key_id", "status"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("job_id", sa.String(length=40), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name=op.f("fk_ledger_entries_key_id_api_keys")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index("ix_ledger_entries_key", "ledger_entries", ["key_id", "id"])
    op.create_index("ix_ledger_entries_key_at", "ledger_entries", ["key_id", "at"])
    op.create_index(
        "uq_ledger_entries_reserve",
        "ledger_entries",
        ["job_id"],
        unique=True,
        sqlite_where=sa.text("kind = 'reserve'"),
        postgresql_where=sa.text("kind = 'reserve'"),
    )
    op.create_index(
        "uq_ledger_entries_close",
        "ledger_entries",
        ["job_id"],
        unique=True,
        sqlite_where=sa.text("kind IN ('settle', 'release')"),
        postgresql_where=sa.text("kind IN ('settle', 'release')"),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    for statement in _POSTGRES_GUARDS if postgres else _SQLITE_GUARDS:
        op.execute(statement)


def downgrade() -> None:
    op.drop_table("ledger_entries")  # its triggers with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS veogate_ledger_append_only()")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_jobs_owner_status")
        batch_op.drop_index("ix_jobs_owner_created")
        batch_op.create_index("ix_jobs_owner_key_id", ["owner_key_id"])
        batch_op.alter_column("cost", new_column_name="cost_usd")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        for column in (
            "allowed_models",
            "creates_per_minute",
            "max_active_jobs",
            "monthly_limit",
            "daily_limit",
            "balance",
            "metered",
        ):
            batch_op.drop_column(column)
