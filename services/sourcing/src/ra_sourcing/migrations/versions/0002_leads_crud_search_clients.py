"""Leads and clients edited by people: substring search, sort indexes, client category, run exports,
cancellation and imports.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "sourcing"

# Frozen copy of ra_sourcing.models.SEARCH_FUNCTION as of this revision.
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

SORTABLE = {
    "created_at": None,
    "posted_at": "'1900-01-01 00:00:00+00'::timestamp with time zone",
    "company_name": None,
    "job_title": None,
    "state": "''",
    "status": None,
    "salary_max": "-1",
}


def upgrade() -> None:
    op.execute(SEARCH_FUNCTION)
    op.add_column(
        "leads",
        sa.Column("origin", sa.String(length=16), server_default="sourcing", nullable=False),
        schema=SCHEMA,
    )
    op.add_column(
        "leads",
        sa.Column(
            "search_vector",
            postgresql.TSVECTOR(),
            sa.Computed("sourcing.lead_search_vector(company_name, job_title, city)", persisted=True),
            nullable=True,
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_leads_search", "leads", ["search_vector"], postgresql_using="gin", schema=SCHEMA)
    op.drop_index("ix_sourcing_leads_status", table_name="leads", schema=SCHEMA)
    op.drop_index("ix_sourcing_leads_created_at", table_name="leads", schema=SCHEMA)
    op.drop_index("ix_sourcing_leads_dedup_key", table_name="leads", schema=SCHEMA)
    for name, sentinel in SORTABLE.items():
        key = name if sentinel is None else f"coalesce({name}, {sentinel})"
        op.execute(f"CREATE INDEX ix_leads_sort_{name} ON {SCHEMA}.leads ({key}, lead_id)")

    op.add_column(
        "clients", sa.Column("category", sa.String(16), server_default="PROSPECT", nullable=False), schema=SCHEMA
    )
    op.add_column(
        "clients", sa.Column("recent_lead_count", sa.Integer(), server_default="0", nullable=False), schema=SCHEMA
    )
    op.add_column("clients", sa.Column("website", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column("clients", sa.Column("notes", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column(
        "clients", sa.Column("origin", sa.String(16), server_default="sourcing", nullable=False), schema=SCHEMA
    )
    op.add_column(
        "clients",
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        schema=SCHEMA,
    )

    op.add_column("job_runs", sa.Column("export_file", sa.Text(), nullable=True), schema=SCHEMA)
    op.add_column(
        "job_runs", sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA
    )
    op.add_column("job_runs", sa.Column("cancelled_by", sa.Text(), nullable=True), schema=SCHEMA)

    op.create_table(
        "lead_imports",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.Text(), nullable=True),
        sa.Column("result", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("import_id"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("lead_imports", schema=SCHEMA)
    for column in ("cancelled_by", "cancel_requested_at", "export_file"):
        op.drop_column("job_runs", column, schema=SCHEMA)
    for column in ("updated_at", "origin", "notes", "website", "recent_lead_count", "category"):
        op.drop_column("clients", column, schema=SCHEMA)
    for name in SORTABLE:
        op.drop_index(f"ix_leads_sort_{name}", table_name="leads", schema=SCHEMA)
    op.create_index("ix_sourcing_leads_created_at", "leads", ["created_at"], schema=SCHEMA)
    op.create_index("ix_sourcing_leads_dedup_key", "leads", ["dedup_key"], schema=SCHEMA)
    op.create_index("ix_sourcing_leads_status", "leads", ["status"], schema=SCHEMA)
    op.drop_index("ix_leads_search", table_name="leads", schema=SCHEMA)
    op.drop_column("leads", "search_vector", schema=SCHEMA)
    op.drop_column("leads", "origin", schema=SCHEMA)
    op.execute("DROP FUNCTION IF EXISTS sourcing.lead_search_vector(text, text, text)")
