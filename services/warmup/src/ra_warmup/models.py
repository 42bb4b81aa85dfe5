"""Tables of schema ``warmup``: the sender mailboxes (SOP §6.2) and the messaging tables."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from ra_runtime.tables import add_messaging_tables
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "warmup"


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema=SCHEMA)
    __table__: ClassVar[sa.Table]  # type: ignore[misc]


class SenderMailbox(Base):
    """An email account used for warmup and outreach. The password is a Fernet token (RA_SECRET_KEY)."""

    __tablename__ = "mailboxes"

    mailbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    #: grows with every change published as ``mailbox.updated`` (readers keep the newest)
    version: Mapped[int] = mapped_column(default=1)
    #: lower-cased, unique
    email: Mapped[str] = mapped_column(sa.Text, unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.Text)
    provider: Mapped[str] = mapped_column(sa.String(50), index=True)
    smtp_host: Mapped[str] = mapped_column(sa.Text)
    smtp_port: Mapped[int]
    smtp_security: Mapped[str] = mapped_column(sa.String(16))
    smtp_username: Mapped[str | None] = mapped_column(sa.Text)
    imap_host: Mapped[str | None] = mapped_column(sa.Text)
    imap_port: Mapped[int | None]
    imap_security: Mapped[str | None] = mapped_column(sa.String(16))
    password_encrypted: Mapped[str] = mapped_column(sa.Text)
    warmup_status: Mapped[str] = mapped_column(sa.String(16), index=True, default="INACTIVE")
    is_active: Mapped[bool] = mapped_column(default=True)
    connection_status: Mapped[str] = mapped_column(sa.String(16), index=True, default="untested")
    last_tested_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_test_result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    daily_send_limit: Mapped[int] = mapped_column(default=30)
    emails_sent_today: Mapped[int] = mapped_column(default=0)
    #: the UTC day ``emails_sent_today`` counts (reset at midnight UTC)
    counters_day: Mapped[date | None] = mapped_column(sa.Date)
    total_emails_sent: Mapped[int] = mapped_column(default=0)
    bounce_count: Mapped[int] = mapped_column(default=0)
    reply_count: Mapped[int] = mapped_column(default=0)
    complaint_count: Mapped[int] = mapped_column(default=0)
    warmup_started_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    warmup_days_completed: Mapped[int] = mapped_column(default=0)
    warmup_emails_sent: Mapped[int] = mapped_column(default=0)
    warmup_emails_received: Mapped[int] = mapped_column(default=0)
    warmup_opens: Mapped[int] = mapped_column(default=0)
    warmup_replies: Mapped[int] = mapped_column(default=0)
    dns_score: Mapped[int | None]
    is_blacklisted: Mapped[bool] = mapped_column(default=False)
    paused_reason: Mapped[str | None] = mapped_column(sa.Text)
    paused_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    status_changed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


TABLES = add_messaging_tables(Base.metadata)
