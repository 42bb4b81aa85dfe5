"""The gateway's tables (schema ``gateway``): users, tokens, settings, login attempts and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal, get_args

import sqlalchemy as sa
from ra_runtime.tables import add_messaging_tables
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "gateway"

Role = Literal["admin", "operator", "viewer"]
ROLES: tuple[str, ...] = get_args(Role)

metadata = sa.MetaData(schema=SCHEMA)


class Base(DeclarativeBase):
    metadata = metadata
    type_annotation_map = {
        datetime: sa.DateTime(timezone=True),
        dict[str, Any]: JSONB,
        Any: JSONB,
    }


def _now() -> sa.ColumnElement[datetime]:
    return sa.func.now()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(f"role IN {ROLES!r}", name="ck_users_role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    #: Stored lower-cased, so the unique index makes "Bob@x.com" and "bob@x.com" one account.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(200), default="")
    role: Mapped[str] = mapped_column(sa.String(16))
    password_hash: Mapped[str] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(server_default=_now())
    last_login_at: Mapped[datetime | None]


class RefreshToken(Base):
    """One issued refresh token. Rotation revokes it and names its successor; a reuse revokes them all."""

    __tablename__ = "refresh_tokens"

    jti: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issued_at: Mapped[datetime] = mapped_column(server_default=_now())
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    replaced_by: Mapped[uuid.UUID | None]


class RevokedAccessToken(Base):
    """Access tokens ended by logout before their expiry; kept only until they would have expired."""

    __tablename__ = "revoked_access_tokens"

    jti: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(server_default=_now())


class Setting(Base):
    """SOP §12.2: key, value_json, type, description, updated_by, timestamps.

    ``value_json`` holds the typed value, except for secrets: ``{"encrypted": "<fernet token>"}``.
    """

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(100), primary_key=True)
    value_json: Mapped[Any]
    type: Mapped[str] = mapped_column(sa.String(16))
    description: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    updated_by: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(server_default=_now())
    updated_at: Mapped[datetime] = mapped_column(server_default=_now())


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        sa.Index("ix_login_attempts_email_at", "email", "attempted_at"),
        sa.Index("ix_login_attempts_ip_at", "ip", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip: Mapped[str] = mapped_column(sa.String(64))
    succeeded: Mapped[bool]
    attempted_at: Mapped[datetime] = mapped_column(server_default=_now())


class AuditEntry(Base):
    """Who did what: registrations, setting changes, pipeline runs requested through the API."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_action_target", "action", "target"),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(server_default=_now(), index=True)
    actor_id: Mapped[uuid.UUID | None]
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(64))
    target: Mapped[str | None] = mapped_column(sa.String(200))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=sa.text("'{}'::jsonb"))


messaging_tables = add_messaging_tables(metadata)
