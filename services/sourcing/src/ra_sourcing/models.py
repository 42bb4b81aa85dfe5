"""Tables of schema ``sourcing``: leads (LeadDetails), clients (ClientInfo), job runs, dedup claims."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from ra_runtime.tables import add_messaging_tables
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

SCHEMA = "sourcing"


class Base(DeclarativeBase):
    metadata = sa.MetaData(schema=SCHEMA)
    #: Every model here maps to a plain table (SQLAlchemy types it as the wider FromClause).
    __table__: ClassVar[sa.Table]  # type: ignore[misc]


#: Every suffix of three or more letters of every word of a lead's company, title and city, as a
#: ``tsvector``. A search word ``t`` (3+ letters) occurs inside a word iff ``t`` is a prefix of one of the
#: word's suffixes, which a GIN index answers (``@@ 'acm':*``): the index that serves ``ILIKE '%term%'`` on
#: any Postgres, with no extension. Queries recheck with ILIKE, so the result is exactly the substring
#: match; search words of one or two letters are left to the recheck. See docs/performance.md.
SEARCH_FUNCTION = """
CREATE OR REPLACE FUNCTION sourcing.lead_search_vector(company text, title text, city text)
RETURNS tsvector LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
  w text;
  lexemes text[] := '{}';
BEGIN
  FOREACH w IN ARRAY regexp_split_to_array(
      lower(coalesce(company, '') || ' ' || coalesce(title, '') || ' ' || coalesce(city, '')), '[^[:alnum:]]+') LOOP
    FOR i IN 1 .. length(w) - 2 LOOP
      lexemes := lexemes || substr(w, i);
    END LOOP;
  END LOOP;
  RETURN array_to_tsvector(lexemes);
END
$$
"""

#: Sort keys of ``GET /leads``: NULL sorts as the smallest value (first ascending, last descending),
#: through a NOT NULL expression so that one index per column serves both directions and keyset paging.
SORT_KEYS: dict[str, sa.ColumnElement[Any]] = {}


def _sort_key(column: str, sentinel: str | None) -> sa.ColumnElement[Any]:
    col: sa.ColumnClause[Any] = sa.column(column)
    return col if sentinel is None else sa.func.coalesce(col, sa.literal_column(sentinel))


_SORTABLE: dict[str, str | None] = {
    "created_at": None,
    "posted_at": "'1900-01-01 00:00:00+00'::timestamp with time zone",
    "company_name": None,
    "job_title": None,
    "state": "''",
    "status": None,
    "salary_max": "-1",
}
#: Sortable too, without an index of their own (rarely sorted on; a sort scans the matching rows).
_SORTABLE_UNINDEXED: dict[str, str | None] = {
    "city": "''",
    "salary_min": "-1",
    "updated_at": None,
    "industry": "''",
    "contact_count": None,
    "quality_score": None,
}


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
    dedup_key: Mapped[str] = mapped_column(sa.Text)
    quality_score: Mapped[int] = mapped_column(sa.SmallInteger, default=0)
    status: Mapped[str] = mapped_column(sa.String(24), default="NEW")
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
    #: sourcing (found by a run), manual (entered in the dashboard) or import (from a CSV/XLSX file)
    origin: Mapped[str] = mapped_column(sa.String(16), default="sourcing", server_default="sourcing")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    search_vector: Mapped[str] = mapped_column(
        TSVECTOR,
        sa.Computed(f"{SCHEMA}.lead_search_vector(company_name, job_title, city)", persisted=True),
        deferred=True,
    )

    __table_args__ = (
        sa.Index("ix_leads_search", "search_vector", postgresql_using="gin"),
        *(
            sa.Index(f"ix_leads_sort_{name}", _sort_key(name, sentinel), sa.column("lead_id"))
            for name, sentinel in _SORTABLE.items()
        ),
    )


for _name, _sentinel in (_SORTABLE | _SORTABLE_UNINDEXED).items():
    _col = Lead.__table__.c[_name]
    SORT_KEYS[_name] = (
        _col if _sentinel is None else sa.func.coalesce(_col, sa.literal_column(_sentinel), type_=_col.type)
    )


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
    #: PROSPECT / ACTIVE / INACTIVE / DO_NOT_CONTACT (ra_contracts.leads.ClientStatus), set by people
    status: Mapped[str] = mapped_column(sa.String(24), default="PROSPECT")
    #: REGULAR / OCCASIONAL / PROSPECT, from ``recent_lead_count`` (ra_contracts.leads.client_category)
    category: Mapped[str] = mapped_column(sa.String(16), default="PROSPECT", server_default="PROSPECT")
    #: Leads of the 90 days before the company was last seen
    recent_lead_count: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    website: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    #: sourcing (created by a run or a lead) or manual
    origin: Mapped[str] = mapped_column(sa.String(16), default="sourcing", server_default="sourcing")
    first_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    last_seen_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), server_default=sa.func.now(), default=sa.func.now()
    )


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
    #: Name of the run's XLSX export in the exports object store (and the exports folder)
    export_file: Mapped[str | None] = mapped_column(sa.Text)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    cancelled_by: Mapped[str | None] = mapped_column(sa.Text)


class LeadImport(Base):
    """One ``POST /leads/import`` (id chosen by the gateway), so a retried request returns its first result."""

    __tablename__ = "lead_imports"

    import_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    file_name: Mapped[str | None] = mapped_column(sa.Text)
    requested_by: Mapped[str | None] = mapped_column(sa.Text)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=sa.func.now())


# For ``metadata.create_all`` users (migrations create the function themselves).
sa.event.listen(Base.metadata, "before_create", sa.DDL(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}"))
sa.event.listen(Base.metadata, "before_create", sa.DDL(SEARCH_FUNCTION.replace("%", "%%")))

TABLES = add_messaging_tables(Base.metadata)
