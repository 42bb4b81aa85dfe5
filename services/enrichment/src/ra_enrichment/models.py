"""Tables of schema ``enrichment``: contacts (ContactDetails), the leads it knows of, and its job runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from ra_runtime.tables import add_messaging_tables
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "enrichment"


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema=SCHEMA)
    #: Every model here maps to a plain table (SQLAlchemy types it as the wider FromClause).
    __table__: ClassVar[sa.Table]  # type: ignore[misc]


class LeadRef(Base):
    """Enrichment's read model of a lead, built from ``lead.created`` (it never reads sourcing's schema)."""

    __tablename__ = "leads"

    lead_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    company_name: Mapped[str] = mapped_column(sa.Text)
    normalized_company: Mapped[str] = mapped_column(sa.Text)
    job_title: Mapped[str | None] = mapped_column(sa.Text)
    city: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str | None] = mapped_column(sa.String(2))
    #: pending → enriched | no_contacts
    enrichment_status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    contact_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    provider: Mapped[str | None] = mapped_column(sa.Text)
    source_run_id: Mapped[uuid.UUID | None]
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    enriched_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.Index("ix_leads_pending", "received_at", postgresql_where=sa.text("enrichment_status = 'pending'")),
    )


class Contact(Base):
    """A decision-maker at a lead's company (the SOP's ContactDetails; ``lead_id`` is a plain id)."""

    __tablename__ = "contacts"

    contact_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[uuid.UUID] = mapped_column(index=True)
    first_name: Mapped[str | None] = mapped_column(sa.Text)
    last_name: Mapped[str | None] = mapped_column(sa.Text)
    email: Mapped[str] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.Text)
    title: Mapped[str | None] = mapped_column(sa.Text)
    priority: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    source: Mapped[str] = mapped_column(sa.Text)
    company_name: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str | None] = mapped_column(sa.String(2))
    validation_status: Mapped[str | None] = mapped_column(sa.String(16))
    #: when outreach last reached this contact (``outreach.sent``: an email or a mail-merge row)
    last_outreach_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (sa.UniqueConstraint("lead_id", "email", name="uq_contact_email_per_lead"),)


class ProviderAnswer(Base):
    """What a paid contact provider answered for a company (and state): reused for the company's other
    leads for ``contact_cache_days``, so the provider is never paid twice for the same search."""

    __tablename__ = "provider_answers"

    provider: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    #: ``normalized company|state``
    company_key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    fetched_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class JobRun(Base):
    __tablename__ = "job_runs"

    run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    pipeline: Mapped[str] = mapped_column(sa.String(32), default="contact_enrichment")
    status: Mapped[str] = mapped_column(sa.String(16))
    requested_by: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    error_message: Mapped[str | None] = mapped_column(sa.Text)


TABLES = add_messaging_tables(Base.metadata)
