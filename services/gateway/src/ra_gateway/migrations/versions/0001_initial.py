"""The gateway's first tables: users, tokens, settings, login attempts, audit log and messaging tables.

Revision ID: 0001
Revises:
Create Date: 2026-02-01
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from ra_runtime.tables import create_messaging_tables_v1
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "gateway"


def _timestamp(name: str, *, nullable: bool = False, now: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable, server_default=sa.func.now() if now else None)


def upgrade() -> None:
    create_messaging_tables_v1(SCHEMA)
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("full_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        _timestamp("created_at", now=True),
        _timestamp("last_login_at", nullable=True),
        sa.CheckConstraint("role IN ('admin', 'operator', 'viewer')", name="ck_users_role"),
        schema=SCHEMA,
    )
    op.create_table(
        "refresh_tokens",
        sa.Column("jti", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False),
        _timestamp("issued_at", now=True),
        _timestamp("expires_at"),
        _timestamp("revoked_at", nullable=True),
        sa.Column("replaced_by", sa.Uuid, nullable=True),
        schema=SCHEMA,
    )
    op.create_index("ix_gateway_refresh_tokens_user_id", "refresh_tokens", ["user_id"], schema=SCHEMA)
    op.create_table(
        "revoked_access_tokens",
        sa.Column("jti", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey(f"{SCHEMA}.users.id", ondelete="CASCADE"), nullable=False),
        _timestamp("expires_at"),
        _timestamp("revoked_at", now=True),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_gateway_revoked_access_tokens_expires_at", "revoked_access_tokens", ["expires_at"], schema=SCHEMA
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("value_json", JSONB, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_by", sa.String(254), nullable=True),
        _timestamp("created_at", now=True),
        _timestamp("updated_at", now=True),
        schema=SCHEMA,
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        _timestamp("attempted_at", now=True),
        schema=SCHEMA,
    )
    op.create_index("ix_login_attempts_email_at", "login_attempts", ["email", "attempted_at"], schema=SCHEMA)
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "attempted_at"], schema=SCHEMA)
    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        _timestamp("occurred_at", now=True),
        sa.Column("actor_id", sa.Uuid, nullable=True),
        sa.Column("actor_email", sa.String(254), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(200), nullable=True),
        sa.Column("details", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        schema=SCHEMA,
    )
    op.create_index("ix_gateway_audit_log_occurred_at", "audit_log", ["occurred_at"], schema=SCHEMA)
    op.create_index("ix_audit_log_action_target", "audit_log", ["action", "target"], schema=SCHEMA)


def downgrade() -> None:
    for table in (
        "audit_log",
        "login_attempts",
        "settings",
        "revoked_access_tokens",
        "refresh_tokens",
        "users",
        "dead_letter",
        "inbox",
        "outbox",
    ):
        op.drop_table(table, schema=SCHEMA)
