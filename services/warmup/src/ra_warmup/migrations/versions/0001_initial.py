"""Sender mailboxes and the messaging tables.

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

SCHEMA = "warmup"


def upgrade() -> None:
    op.create_table(
        "mailboxes",
        sa.Column("mailbox_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("provider", sa.String(length=50), nullable=False),
        sa.Column("smtp_host", sa.Text(), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_security", sa.String(length=16), nullable=False),
        sa.Column("smtp_username", sa.Text(), nullable=True),
        sa.Column("imap_host", sa.Text(), nullable=True),
        sa.Column("imap_port", sa.Integer(), nullable=True),
        sa.Column("imap_security", sa.String(length=16), nullable=True),
        sa.Column("password_encrypted", sa.Text(), nullable=False),
        sa.Column("warmup_status", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("connection_status", sa.String(length=16), nullable=False),
        sa.Column("last_tested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_test_result", postgresql.JSONB(), nullable=True),
        sa.Column("daily_send_limit", sa.Integer(), nullable=False),
        sa.Column("emails_sent_today", sa.Integer(), nullable=False),
        sa.Column("counters_day", sa.Date(), nullable=True),
        sa.Column("total_emails_sent", sa.Integer(), nullable=False),
        sa.Column("bounce_count", sa.Integer(), nullable=False),
        sa.Column("reply_count", sa.Integer(), nullable=False),
        sa.Column("complaint_count", sa.Integer(), nullable=False),
        sa.Column("warmup_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("warmup_days_completed", sa.Integer(), nullable=False),
        sa.Column("warmup_emails_sent", sa.Integer(), nullable=False),
        sa.Column("warmup_emails_received", sa.Integer(), nullable=False),
        sa.Column("warmup_opens", sa.Integer(), nullable=False),
        sa.Column("warmup_replies", sa.Integer(), nullable=False),
        sa.Column("dns_score", sa.Integer(), nullable=True),
        sa.Column("is_blacklisted", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("mailbox_id"),
        sa.UniqueConstraint("email"),
        schema=SCHEMA,
    )
    for column in ("provider", "warmup_status", "connection_status"):
        op.create_index(op.f(f"ix_warmup_mailboxes_{column}"), "mailboxes", [column], schema=SCHEMA)
    create_messaging_tables_v1(SCHEMA)


def downgrade() -> None:
    for table in ("outbox", "inbox", "dead_letter", "mailboxes"):
        op.drop_table(table, schema=SCHEMA)
