"""Contacts and mailboxes (read models), outreach events, recipients, mailbox usage, suppression list,
templates (one default seeded), job runs and the messaging tables.

Revision ID: 0001
"""

import uuid

import sqlalchemy as sa
from alembic import op
from ra_runtime.tables import create_messaging_tables_v1
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "outreach"

DEFAULT_TEMPLATE_ID = uuid.UUID("6f0a7a52-0c43-4f55-9c3e-2f5d1f0e9a01")
DEFAULT_SUBJECT = "{{company}}: help with your {{job_title|open}} role"
DEFAULT_BODY = """Hi {{first_name|there}},

I saw that {{company}} is hiring for a {{job_title|new role}}. We help companies like yours fill roles
like this quickly with pre-screened candidates, so your team can stay focused on the work.

Would a short call next week be useful?

Best regards,
{{sender_name}}
"""


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("first_name", sa.Text(), nullable=True),
        sa.Column("last_name", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("company_name", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), nullable=True),
        sa.Column("job_title", sa.Text(), nullable=True),
        sa.Column("priority", sa.String(length=8), nullable=True),
        sa.Column("validation_status", sa.String(length=16), nullable=True),
        sa.Column("validated_email", sa.Text(), nullable=True),
        sa.Column("last_skip_reason", sa.String(length=32), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id"),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_outreach_contacts_lead_id"), "contacts", ["lead_id"], schema=SCHEMA)
    op.create_index(op.f("ix_outreach_contacts_email"), "contacts", ["email"], schema=SCHEMA)

    op.create_table(
        "mailboxes",
        sa.Column("mailbox_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=True),
        sa.Column("provider", sa.Text(), nullable=False),
        sa.Column("smtp_host", sa.Text(), nullable=False),
        sa.Column("smtp_port", sa.Integer(), nullable=False),
        sa.Column("smtp_security", sa.String(length=16), nullable=False),
        sa.Column("smtp_username", sa.Text(), nullable=True),
        sa.Column("warmup_status", sa.String(length=16), nullable=False),
        sa.Column("connection_status", sa.String(length=16), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("daily_send_limit", sa.Integer(), nullable=False),
        sa.Column("is_blacklisted", sa.Boolean(), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox_id"),
        schema=SCHEMA,
    )

    op.create_table(
        "mailbox_usage",
        sa.Column("mailbox_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("claimed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("mailbox_id", "day"),
        schema=SCHEMA,
    )

    op.create_table(
        "recipients",
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("last_outreach_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_event_id", sa.Uuid(), nullable=False),
        sa.Column("previous_outreach_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("email"),
        schema=SCHEMA,
    )

    op.create_table(
        "outreach_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.Uuid(), nullable=False),
        sa.Column("lead_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("skip_reason", sa.String(length=32), nullable=True),
        sa.Column("mailbox_id", sa.Uuid(), nullable=True),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("fields", postgresql.JSONB(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("smtp_code", sa.Integer(), nullable=True),
        sa.Column("smtp_reply", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("event_id"),
        sa.UniqueConstraint("message_id"),
        schema=SCHEMA,
    )
    for column in ("run_id", "contact_id", "lead_id", "email", "status", "mailbox_id", "created_at"):
        op.create_index(op.f(f"ix_outreach_outreach_events_{column}"), "outreach_events", [column], schema=SCHEMA)
    op.create_index(
        "ix_outreach_events_open",
        "outreach_events",
        ["status", "retry_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('claimed', 'sending', 'deferred')"),
    )

    op.create_table(
        "suppression",
        sa.Column("email", sa.Text(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("email"),
        schema=SCHEMA,
    )

    templates = op.create_table(
        "templates",
        sa.Column("template_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("template_id"),
        sa.UniqueConstraint("name"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_templates_one_default",
        "templates",
        ["is_default"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("is_default"),
    )
    assert templates is not None
    op.bulk_insert(
        templates,
        [
            {
                "template_id": DEFAULT_TEMPLATE_ID,
                "name": "Hiring outreach (default)",
                "subject": DEFAULT_SUBJECT,
                "body": DEFAULT_BODY,
                "is_default": True,
            }
        ],
    )

    op.create_table(
        "job_runs",
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("pipeline", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.Text(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("counts", postgresql.JSONB(), nullable=False),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("template_id", sa.Uuid(), nullable=True),
        sa.Column("export_csv", sa.Text(), nullable=True),
        sa.Column("export_guide", sa.Text(), nullable=True),
        sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("run_id"),
        schema=SCHEMA,
    )
    create_messaging_tables_v1(SCHEMA)


def downgrade() -> None:
    for table in (
        "outbox",
        "inbox",
        "dead_letter",
        "job_runs",
        "templates",
        "suppression",
        "outreach_events",
        "recipients",
        "mailbox_usage",
        "mailboxes",
        "contacts",
    ):
        op.drop_table(table, schema=SCHEMA)
