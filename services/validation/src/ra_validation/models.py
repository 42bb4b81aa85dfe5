"""Tables of schema ``validation``: the contacts to check (a copy kept from ``contact.*``), one result per
email address (the SOP's email_validation_results, reused for ``validation_reuse_days``), job runs."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from ra_runtime.tables import add_messaging_tables
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "validation"


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema=SCHEMA)
    __table__: ClassVar[sa.Table]  # type: ignore[misc]


class ContactRef(Base):
    """A contact whose email is to be (or was) checked, from ``contact.created`` / ``contact.updated``."""

    __tablename__ = "contacts"

    contact_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    lead_id: Mapped[uuid.UUID]
    #: lower-cased: the dedup key of SOP §4.2 step 3
    email: Mapped[str] = mapped_column(sa.Text, index=True)
    #: None until checked; valid / invalid / catch_all / unknown
    status: Mapped[str | None] = mapped_column(sa.String(16))
    checked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())

    __table_args__ = (sa.Index("ix_contacts_unchecked", "received_at", postgresql_where=sa.text("status IS NULL")),)


class EmailResult(Base):
    """The latest check of one address (SOP: email_validation_results), with the provider's raw answer."""

    __tablename__ = "email_results"

    email: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    sub_status: Mapped[str | None] = mapped_column(sa.Text)
    provider: Mapped[str] = mapped_column(sa.Text, index=True)
    raw: Mapped[dict[str, Any]] = mapped_column(JSONB)
    checked_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    #: an Unknown worth trying again (greylisting, timeouts) after this time
    retry_after: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class JobRun(Base):
    __tablename__ = "job_runs"

    run_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    pipeline: Mapped[str] = mapped_column(sa.String(32), default="email_validation")
    status: Mapped[str] = mapped_column(sa.String(16))
    requested_by: Mapped[str | None] = mapped_column(sa.Text)
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    counts: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    error_message: Mapped[str | None] = mapped_column(sa.Text)


TABLES = add_messaging_tables(Base.metadata)
