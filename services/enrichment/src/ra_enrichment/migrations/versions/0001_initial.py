"""Leads read model, contacts, job runs and the messaging tables.

Revision ID: 0001
"""

from alembic import op
from ra_enrichment.models import SCHEMA, Base
from ra_runtime.tables import create_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TABLES = ("leads", "contacts", "job_runs")


def upgrade() -> None:
    bind = op.get_bind()
    for name in _TABLES:
        Base.metadata.tables[f"{SCHEMA}.{name}"].create(bind)
    create_messaging_tables(SCHEMA)


def downgrade() -> None:
    for name in ("outbox", "inbox", "dead_letter", *reversed(_TABLES)):
        op.drop_table(name, schema=SCHEMA)
