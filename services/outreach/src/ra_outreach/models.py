"""Tables of schema ``outreach``: the read models of contacts and mailboxes (kept from events), the events of
outreach itself (one row per contact reached, skipped or failed), the recipients ledger that makes a second
send within the cooldown impossible, each mailbox's usage per day, the do-not-contact list, templates and
job runs."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from ra_runtime.tables import add_messaging_tables
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "outreach"


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema=SCHEMA)
    __table__: ClassVar[sa.Table]  # type: ignore[misc]


class Contact(Base):
    """Outreach's copy of a contact (``contact.*``, ``contact.validated``, ``lead.updated``)."""

    __tablename__ = "contacts"

    contact_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(index=True)
    #: lower-cased: cooldown, suppression and claims are per address
    email: Mapped[str] = mapped_column(sa.Text, index=True)
    first_name: Mapped[str | None] = mapped_column(sa.Text)
    last_name: Mapped[str | None] = mapped_column(sa.Text)
    title: Mapped[str | None] = mapped_column(sa.Text)
    company_name: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str | None] = mapped_column(sa.Text)
    job_title: Mapped[str | None] = mapped_column(sa.Text)
    #: P1 … P5: within a lead, the best contacts are reached first
    priority: Mapped[str | None] = mapped_column(sa.String(8))
    #: valid / invalid / catch_all / unknown; None until validated
    validation_status: Mapped[str | None] = mapped_column(sa.String(16))
    #: the address the status is about (a changed address is not validated until checked again)
    validated_email: Mapped[str | None] = mapped_column(sa.Text)
    #: the reason of the last SKIPPED event recorded for the contact (no pile-up run after run)
    last_skip_reason: Mapped[str | None] = mapped_column(sa.String(32))
    #: a tombstone: a late ``contact.validated`` must not bring a deleted contact back
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Mailbox(Base):
    """Outreach's copy of a sender mailbox (``mailbox.*``), never its password."""

    __tablename__ = "mailboxes"

    mailbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    version: Mapped[int]
    email: Mapped[str] = mapped_column(sa.Text)
    display_name: Mapped[str | None] = mapped_column(sa.Text)
    provider: Mapped[str] = mapped_column(sa.Text)
    smtp_host: Mapped[str] = mapped_column(sa.Text)
    smtp_port: Mapped[int]
    smtp_security: Mapped[str] = mapped_column(sa.String(16))
    smtp_username: Mapped[str | None] = mapped_column(sa.Text)
    warmup_status: Mapped[str] = mapped_column(sa.String(16))
    connection_status: Mapped[str] = mapped_column(sa.String(16))
    is_active: Mapped[bool]
    daily_send_limit: Mapped[int]
    is_blacklisted: Mapped[bool]
    deleted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class MailboxUsage(Base):
    """Messages claimed per mailbox per UTC day: the per-mailbox and global daily limits (rows locked
    ``FOR UPDATE`` while claiming)."""

    __tablename__ = "mailbox_usage"

    mailbox_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    claimed: Mapped[int] = mapped_column(default=0)


class Recipient(Base):
    """One row per address ever reached: a claim succeeds only when the last outreach is older than the
    cooldown, atomically (``INSERT … ON CONFLICT … WHERE``), whichever replica asks."""

    __tablename__ = "recipients"

    email: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    last_outreach_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_event_id: Mapped[uuid.UUID]
    #: the outreach before the current claim (None: never reached before), so a claim that a cancelled run
    #: gives back restores the address's cooldown as it was
    previous_outreach_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class OutreachEvent(Base):
    """The SOP's OutreachEvent: a contact reached (mail merge row or email), skipped, or failed.

    Status of an SMTP send: ``claimed`` → ``sending`` → ``sent`` | ``failed`` | ``deferred`` (retried later)
    | ``uncertain`` (the process died mid-conversation: a person checks, it is never re-sent)
    | ``cancelled`` (claimed by a run cancelled before sending it: the address's claim was given back).
    """

    __tablename__ = "outreach_events"

    event_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    run_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    contact_id: Mapped[uuid.UUID] = mapped_column(index=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(index=True)
    email: Mapped[str] = mapped_column(sa.Text, index=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    skip_reason: Mapped[str | None] = mapped_column(sa.String(32))
    mailbox_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    message_id: Mapped[str | None] = mapped_column(sa.Text, unique=True)
    template_id: Mapped[uuid.UUID | None]
    #: the contact's merge fields when claimed: what is sent (or exported) even if the contact changes
    fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    retry_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    smtp_code: Mapped[int | None]
    smtp_reply: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), index=True)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    sent_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index(
            "ix_outreach_events_open",
            "status",
            "retry_at",
            postgresql_where=sa.text("status IN ('claimed', 'sending', 'deferred')"),
        ),
    )


class Suppression(Base):
    """The do-not-contact list (unsubscribes, hard bounces, by hand, imports)."""

    __tablename__ = "suppression"

    email: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    reason: Mapped[str] = mapped_column(sa.String(16))
    created_by: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Template(Base):
    __tablename__ = "templates"

    template_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text, unique=True)
    subject: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (
        sa.Index("uq_templates_one_default", "is_default", unique=True, postgresql_where=sa.text("is_default")),
    )


class JobRun(Base):
    __tablename__ = "job_runs"

    run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    pipeline: Mapped[str] = mapped_column(sa.String(32), default="outreach")
    status: Mapped[str] = mapped_column(sa.String(16))
    requested_by: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    error_message: Mapped[str | None] = mapped_column(sa.Text)
    mode: Mapped[str | None] = mapped_column(sa.String(16))
    dry_run: Mapped[bool] = mapped_column(default=False)
    template_id: Mapped[uuid.UUID | None]
    #: names of the mail merge's files in the ``exports`` bucket
    export_csv: Mapped[str | None] = mapped_column(sa.Text)
    export_guide: Mapped[str | None] = mapped_column(sa.Text)
    #: set by ``q.outreach.runs.cancel``: a send run stops before its next message
    cancel_requested_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancelled_by: Mapped[str | None] = mapped_column(sa.Text)


TABLES = add_messaging_tables(Base.metadata)
