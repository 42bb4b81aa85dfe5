"""Tables of schema ``sourcing``: leads (LeadDetails), clients (ClientInfo), job runs, dedup claims."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from ra_runtime.tables import add_messaging_tables
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "sourcing"


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema=SCHEMA)
    #: Every model here maps to a plain table (SQLAlchemy types it as the wider FromClause).
    __table__: ClassVar[sa.Table]  # type: ignore[misc]


class Lead(Base):
    """A job posting worth reaching out about (the SOP's LeadDetails)."""

    __tablename__ = "leads"

    lead_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    company_name: Mapped[str] = mapped_column(sa.Text)
    normalized_company: Mapped[str] = mapped_column(sa.Text, index=True)
    job_title: Mapped[str] = mapped_column(sa.Text)
    city: Mapped[str | None] = mapped_column(sa.Text)
    state: Mapped[str | None] = mapped_column(sa.String(2), index=True)
    country: Mapped[str | None] = mapped_column(sa.String(2))
    industry: Mapped[str | None] = mapped_column(sa.Text)
    job_link: Mapped[str | None] = mapped_column(sa.Text, unique=True)
    salary_min: Mapped[float | None] = mapped_column(sa.Numeric(12, 2))
    salary_max: Mapped[float | None] = mapped_column(sa.Numeric(12, 2))
    salary_currency: Mapped[str | None] = mapped_column(sa.String(3))
    employment_type: Mapped[str | None] = mapped_column(sa.Text)
    description: Mapped[str | None] = mapped_column(sa.Text)
    posted_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    sources: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), default=list)
    dedup_key: Mapped[str] = mapped_column(sa.Text, index=True)
    quality_score: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    status: Mapped[str] = mapped_column(sa.String(24), default="NEW", index=True)
    # The first contact's summary, denormalised onto the lead (SOP §3.2) — or pre-filled by the job source.
    contact_first_name: Mapped[str | None] = mapped_column(sa.Text)
    contact_last_name: Mapped[str | None] = mapped_column(sa.Text)
    contact_email: Mapped[str | None] = mapped_column(sa.Text)
    contact_phone: Mapped[str | None] = mapped_column(sa.Text)
    contact_title: Mapped[str | None] = mapped_column(sa.Text)
    contact_priority: Mapped[str | None] = mapped_column(sa.String(2))
    contact_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    enriched_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    run_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now(), index=True)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class DedupClaim(Base):
    """One row per ``normalized_company|title|state``: claimed atomically, so concurrent runs cannot both
    insert the same lead; a claim older than the dedup window can be taken over by a new posting."""

    __tablename__ = "dedup_claims"

    dedup_key: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    lead_id: Mapped[uuid.UUID]
    claimed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class Client(Base):
    """A company seen in job postings (the SOP's ClientInfo)."""

    __tablename__ = "clients"

    client_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    normalized_company: Mapped[str] = mapped_column(sa.Text, unique=True)
    company_name: Mapped[str] = mapped_column(sa.Text)
    industry: Mapped[str | None] = mapped_column(sa.Text)
    lead_count: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(24), default="PROSPECT")
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


class JobRun(Base):
    """One execution of the lead-sourcing pipeline (the SOP's JobRun)."""

    __tablename__ = "job_runs"

    run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    pipeline: Mapped[str] = mapped_column(sa.String(32), default="lead_sourcing")
    status: Mapped[str] = mapped_column(sa.String(16))
    requested_by: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    per_source: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    error_message: Mapped[str | None] = mapped_column(sa.Text)


TABLES = add_messaging_tables(Base.metadata)
