"""Contacts to check, results per address, job runs and the messaging tables.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op
from ra_runtime.tables import create_messaging_tables_v1
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "validation"


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("contact_id"),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_validation_contacts_email"), "contacts", ["email"], unique=False, schema=SCHEMA)
    op.create_index(
        "ix_contacts_unchecked",
        "contacts",
        ["received_at"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("status IS NULL"),
    )
    op.create_table(
        "email_results",
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sub_status", sa.Text(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("raw", postgresql.JSONB(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retry_after", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("email"),
        schema=SCHEMA,
    )
    for column in ("status", "provider", "checked_at"):
        op.create_index(op.f(f"ix_validation_email_results_{column}"), "email_results", [column], schema=SCHEMA)
    op.create_table(
        "job_runs",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("pipeline", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", postgresql.JSONB(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
        schema=SCHEMA,
    )
    create_messaging_tables_v1(SCHEMA)


def downgrade() -> None:
    for table in ("outbox", "inbox", "dead_letter", "job_runs", "email_results", "contacts"):
        op.drop_table(table, schema=SCHEMA)
