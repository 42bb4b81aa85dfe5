"""Leads, clients, job runs, dedup claims and the messaging tables.

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

SCHEMA = "sourcing"


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("company_name", sa.Text(), nullable=False),
        sa.Column("normalized_company", sa.Text(), nullable=False),
        sa.Column("job_title", sa.Text(), nullable=False),
        sa.Column("city", sa.Text(), nullable=True),
        sa.Column("state", sa.String(length=2), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("job_link", sa.Text(), nullable=True),
        sa.Column("salary_min", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("salary_max", sa.Numeric(precision=12, scale=2), nullable=True),
        sa.Column("salary_currency", sa.String(length=3), nullable=True),
        sa.Column("employment_type", sa.Text(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sources", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("quality_score", sa.SmallInteger(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("contact_first_name", sa.Text(), nullable=True),
        sa.Column("contact_last_name", sa.Text(), nullable=True),
        sa.Column("contact_email", sa.Text(), nullable=True),
        sa.Column("contact_phone", sa.Text(), nullable=True),
        sa.Column("contact_title", sa.Text(), nullable=True),
        sa.Column("contact_priority", sa.String(length=2), nullable=True),
        sa.Column("contact_count", sa.Integer(), nullable=False),
        sa.Column("enriched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("lead_id"),
        sa.UniqueConstraint("job_link"),
        schema=SCHEMA,
    )
    op.create_table(
        "dedup_claims",
        sa.Column("dedup_key", sa.Text(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("dedup_key"),
        schema=SCHEMA,
    )
    op.create_table(
        "clients",
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("normalized_company", sa.Text(), nullable=False),
        sa.Column("company_name", sa.Text(), nullable=False),
        sa.Column("industry", sa.Text(), nullable=True),
        sa.Column("lead_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("client_id"),
        sa.UniqueConstraint("normalized_company"),
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
        sa.Column("per_source", postgresql.JSONB(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_sourcing_leads_run_id"), "leads", ["run_id"], unique=False, schema=SCHEMA)
    op.create_index(op.f("ix_sourcing_leads_state"), "leads", ["state"], unique=False, schema=SCHEMA)
    op.create_index(
        op.f("ix_sourcing_leads_normalized_company"), "leads", ["normalized_company"], unique=False, schema=SCHEMA
    )
    op.create_index(op.f("ix_sourcing_leads_status"), "leads", ["status"], unique=False, schema=SCHEMA)
    op.create_index(op.f("ix_sourcing_leads_created_at"), "leads", ["created_at"], unique=False, schema=SCHEMA)
    op.create_index(op.f("ix_sourcing_leads_dedup_key"), "leads", ["dedup_key"], unique=False, schema=SCHEMA)
    create_messaging_tables_v1(SCHEMA)


def downgrade() -> None:
    for table in ("outbox", "inbox", "dead_letter", "job_runs", "clients", "dedup_claims", "leads"):
        op.drop_table(table, schema=SCHEMA)
