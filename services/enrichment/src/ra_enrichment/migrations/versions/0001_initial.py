"""Leads read model, contacts, job runs and the messaging tables.

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

SCHEMA = "enrichment"


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("company_name", sa.Text(), nullable=False),
        sa.Column("normalized_company", sa.Text(), nullable=False),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("enrichment_status", sa.String(length=16), nullable=False),
        sa.Column("contact_count", sa.Integer(), nullable=False),
        sa.Column("provider", sa.Text(), nullable=True),
        sa.Column("source_run_id", sa.Uuid(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("enriched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("lead_id"),
        schema=SCHEMA,
    )
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(length=2), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("company_name", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("validation_status", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("contact_id"),
        sa.UniqueConstraint("lead_id", "email", name="uq_contact_email_per_lead"),
        schema=SCHEMA,
    )
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
    op.create_index(
        "ix_leads_pending",
        "leads",
        ["received_at"],
        unique=False,
        schema=SCHEMA,
        postgresql_where=sa.text("enrichment_status = 'pending'"),
    )
    op.create_index(op.f("ix_enrichment_contacts_priority"), "contacts", ["priority"], unique=False, schema=SCHEMA)
    op.create_index(op.f("ix_enrichment_contacts_lead_id"), "contacts", ["lead_id"], unique=False, schema=SCHEMA)
    create_messaging_tables_v1(SCHEMA)


def downgrade() -> None:
    for table in ("outbox", "inbox", "dead_letter", "job_runs", "contacts", "leads"):
        op.drop_table(table, schema=SCHEMA)
